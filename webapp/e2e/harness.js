// A Mattermost-shaped host for the built plugin bundle: a registry that records what the plugin
// registers, a store with the current user, the System Console's custom-setting slot with a
// Save button, the right-hand sidebar, a center channel that renders posts with the registered
// post-type components, `window.PostUtils`, and websocket events delivered from the test
// server's event stream. It stands in for Mattermost's webapp only; everything behind it is the
// real plugin under the simulator.
(function () {
    // Mattermost's CSRF token, sent on writes as its own client does.
    const csrf = () => (document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('MMCSRF=')) || '').slice(7);

    // A small stand-in for Mattermost's markdown formatter with the behaviour of its renderer
    // that matters to the plugin: links that could reach another server (all but this site's
    // permalinks) are printed as "text : url" when `unsafeLinks` is set, javascript:/vbscript:/
    // data: links are never anchors, and images are <img> elements whatever the options (as in
    // Mattermost, `unsafeLinks` does not touch images).
    const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    const PERMALINK = /^\/[0-9a-z_-]{1,64}\/pl\/[0-9a-z_-]{26}$/;
    function link(href, text, options) {
        if (/^(javascript|vbscript|data):/i.test(href.replace(/[^\w:]/g, ''))) {
            return text;
        }
        const site = options.siteURL || '';
        const permalink = site !== '' && href.startsWith(site) && PERMALINK.test(href.slice(site.length));
        if (options.unsafeLinks && !permalink) {
            return text === href ? text : `${text} : ${href}`;
        }
        return `<a class="theme markdown__link" href="${href}" rel="noreferrer" target="_blank">${text}</a>`;
    }
    function inline(text, options) {
        return escapeHtml(text).replace(/(!?)\[([^\]]*)\]\(([^)\s]+)\)|\bhttps?:\/\/[^\s<]+/g, (m, bang, label, href) => {
            if (label === undefined) {
                return link(m, m, options);
            }
            return bang ? `<img src="${href}" alt="${label}" class="markdown-inline-img">` : link(href, label, options);
        }).replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
    }
    window.PostUtils = {
        formatText(text, options = {}) {
            window.formatTextCalls = (window.formatTextCalls || []).concat([options]);
            return String(text || '').split(/\n{2,}/).map((p) => `<p>${inline(p, options).replace(/\n/g, '<br>')}</p>`).join('');
        },
        messageHtmlToComponent(html) {
            return React.createElement('div', {dangerouslySetInnerHTML: {__html: html}});
        },
    };

    // Mattermost's stock themes (Preferences.THEMES in mattermost-redux), applied as its
    // applyTheme does: every colour as a custom property on :root, with an `r, g, b` triplet
    // for those core CSS uses with an alpha. It can change while the page runs.
    const THEMES = {
        denim: {
            centerChannelBg: '#ffffff', centerChannelColor: '#3f4350', buttonBg: '#1c58d9', buttonColor: '#ffffff',
            linkColor: '#386fe5', errorTextColor: '#d24b4e', onlineIndicator: '#3db887', awayIndicator: '#ffbc1f',
            dndIndicator: '#d24b4e', mentionBg: '#ffffff', mentionColor: '#1e325c', mentionHighlightBg: '#ffd470',
            mentionHighlightLink: '#1b1d22', newMessageSeparator: '#cc8f00', sidebarBg: '#1e325c', sidebarText: '#ffffff',
            sidebarHeaderBg: '#192a4d', sidebarTeamBarBg: '#14213e', sidebarTextHoverBg: '#28427b', sidebarTextActiveBorder: '#5d89ea',
        },
        onyx: {
            centerChannelBg: '#090a0b', centerChannelColor: '#dddfe4', buttonBg: '#386fe5', buttonColor: '#ffffff',
            linkColor: '#5d89ea', errorTextColor: '#da6c6e', onlineIndicator: '#3db887', awayIndicator: '#f5ab00',
            dndIndicator: '#d24b4e', mentionBg: '#1c58d9', mentionColor: '#ffffff', mentionHighlightBg: '#0d6e6e',
            mentionHighlightLink: '#a4f4f4', newMessageSeparator: '#1adbdb', sidebarBg: '#121317', sidebarText: '#ffffff',
            sidebarHeaderBg: '#1b1d22', sidebarTeamBarBg: '#000000', sidebarTextHoverBg: '#25262a', sidebarTextActiveBorder: '#1592e0',
        },
    };
    const VARS = {
        centerChannelBg: 'center-channel-bg', centerChannelColor: 'center-channel-color', buttonBg: 'button-bg', buttonColor: 'button-color',
        linkColor: 'link-color', onlineIndicator: 'online-indicator', awayIndicator: 'away-indicator', dndIndicator: 'dnd-indicator',
        mentionBg: 'mention-bg', mentionColor: 'mention-color', mentionHighlightBg: 'mention-highlight-bg', mentionHighlightLink: 'mention-highlight-link',
        newMessageSeparator: 'new-message-separator', sidebarBg: 'sidebar-bg', sidebarText: 'sidebar-text', sidebarHeaderBg: 'sidebar-header-bg',
        sidebarTeamBarBg: 'sidebar-teambar-bg', sidebarTextHoverBg: 'sidebar-text-hover-bg', sidebarTextActiveBorder: 'sidebar-text-active-border',
    };
    const toRgbValues = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ');
    function applyTheme(name) {
        const theme = THEMES[name];
        const root = document.documentElement.style;
        for (const [key, variable] of Object.entries(VARS)) {
            root.setProperty(`--${variable}`, theme[key]);
            root.setProperty(`--${variable}-rgb`, toRgbValues(theme[key]));
        }
        // As in Mattermost: the hex is --error-text, its triplet --error-text-color-rgb.
        root.setProperty('--error-text', theme.errorTextColor);
        root.setProperty('--error-text-color-rgb', toRgbValues(theme.errorTextColor));
        document.documentElement.dataset.theme = name;
    }
    applyTheme(new URLSearchParams(window.location.search).get('theme') || 'denim');

    const registered = {};
    const wsHandlers = {};
    const headerButtons = [];
    const RHS_TOGGLE = {type: 'harness/toggle_rhs'};
    const RHS_SHOW = {type: 'harness/show_rhs'};
    let rhsComponent = null;
    let rhsRoot = null;
    let me = null;
    let configValue;
    // The center channel: posts of the channels the test views, as the server's events bring them.
    const viewed = new Set();
    const channelPosts = new Map();
    let channelRoot = null;

    const registry = new Proxy({}, {
        get: (_, name) => (...args) => {
            (registered[name] = registered[name] || []).push(args);
            switch (name) {
            case 'registerRightHandSidebarComponent':
                rhsComponent = args[0];
                document.getElementById('rhs-title').textContent = args[1];
                return {toggleRHSPlugin: RHS_TOGGLE, showRHSPlugin: RHS_SHOW};
            case 'registerChannelHeaderButtonAction':
                headerButtons.push({icon: args[0], action: args[1], tooltip: args[3]});
                return 'button-' + headerButtons.length;
            case 'registerWebSocketEventHandler':
                (wsHandlers[args[0]] = wsHandlers[args[0]] || []).push(args[1]);
                return undefined;
            default:
                return 'id-' + name;
            }
        },
    });

    const store = {
        getState: () => ({entities: {users: {currentUserId: me && me.id, profiles: me ? {[me.id]: me} : {}}}}),
        dispatch(action) {
            // As in Mattermost: show leaves an open sidebar alone, toggle closes it.
            if ((action === RHS_TOGGLE || action === RHS_SHOW) && !(action === RHS_SHOW && rhsRoot)) {
                const open = !rhsRoot;
                closeRHS();
                if (open && rhsComponent) {
                    document.getElementById('rhs').hidden = false;
                    rhsRoot = ReactDOM.createRoot(document.getElementById('rhs-body'));
                    rhsRoot.render(React.createElement(rhsComponent));
                }
            }
            return action;
        },
    };

    function closeRHS() {
        if (rhsRoot) {
            rhsRoot.unmount();
            rhsRoot = null;
        }
        document.getElementById('rhs').hidden = true;
    }
    document.getElementById('rhs-close').onclick = closeRHS;

    let plugin = null;
    window.registerPlugin = (id, p) => {
        window.pluginId = id;
        plugin = p;
    };

    // The user's language, kept on the profile as Mattermost keeps it (users.profiles[id].locale):
    // `?locale=de` opens the page as a German-speaking user; the simulator's users speak English.
    function withLocale(user) {
        const locale = new URLSearchParams(window.location.search).get('locale');
        return locale ? {...user, locale} : user;
    }

    async function start(options = {}) {
        me = withLocale(await (await fetch('/api/v4/users/me')).json());
        plugin.initialize(registry, store);
        window.registered = registered;

        const bar = document.getElementById('channel-header-buttons');
        headerButtons.forEach((b) => {
            const el = document.createElement('span');
            bar.appendChild(el);
            ReactDOM.createRoot(el).render(React.createElement('button', {type: 'button', 'aria-label': b.tooltip, title: b.tooltip, onClick: b.action}, b.icon));
        });

        const setting = (registered.registerAdminConsoleCustomSetting || [])[0];
        const save = document.getElementById('save');
        if (setting && options.loadConfig) {
            // As Mattermost's admin console: the editor opens on the settings as saved.
            configValue = await savedSetting(setting[0]);
        }
        // As Mattermost's admin console: save actions run after the configuration is saved.
        const saveActions = new Set();
        if (setting) {
            ReactDOM.createRoot(document.getElementById('console')).render(React.createElement(setting[1], {
                id: setting[0],
                value: configValue,
                disabled: false,
                onChange: (id, value) => {
                    configValue = value;
                },
                setSaveNeeded: () => {
                    save.disabled = false;
                },
                registerSaveAction: (a) => saveActions.add(a),
                unRegisterSaveAction: (a) => saveActions.delete(a),
            }));
        }
        save.onclick = async () => {
            save.disabled = true;
            const r = await fetch('/harness/plugin_config', {
                method: 'PUT',
                headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest', 'X-CSRF-Token': csrf()},
                body: JSON.stringify({[setting[0]]: configValue}),
            });
            if (r.ok) {
                await Promise.all(Array.from(saveActions).map((a) => a()));
            }
            document.getElementById('saved').textContent = r.ok ? 'Settings saved' : 'Save failed: ' + r.status;
        };

        const events = new EventSource('/harness/events');
        events.onmessage = (e) => {
            const msg = JSON.parse(e.data);
            (wsHandlers[msg.event] || []).forEach((h) => h(msg));
            eventListeners.forEach((l) => l(msg));
            if (msg.event === 'posted' || msg.event === 'post_edited') {
                showInChannel(JSON.parse(msg.data.post));
            }
        };
        window.harnessReady = true;
    }

    // As Mattermost's post list: a post whose type has a registered component is rendered by it.
    function showInChannel(post) {
        if (!viewed.has(post.channel_id)) {
            return;
        }
        channelPosts.set(post.id, post);
        const types = {};
        (registered.registerPostTypeComponent || []).forEach(([type, component]) => {
            types[type] = component;
        });
        channelRoot = channelRoot || ReactDOM.createRoot(document.getElementById('channel'));
        channelRoot.render(React.createElement('ol', null, Array.from(channelPosts.values()).map((p) => React.createElement(
            'li',
            {key: p.id, 'data-post-id': p.id, 'data-user-id': p.user_id},
            types[p.type] ? React.createElement(types[p.type], {post: p}) : React.createElement('div', {style: {whiteSpace: 'pre-wrap'}}, p.message),
        ))));
    }

    // A page built on the harness (the demo) sees every event too, and can open the console
    // on the saved settings (`start({loadConfig: true})`).
    const eventListeners = [];
    async function savedSetting(id) {
        const r = await fetch('/harness/plugin_config');
        const saved = r.ok ? await r.json() : {};
        return saved[id.toLowerCase()];
    }

    window.harness = {
        start: (options) => start(options).catch((e) => {
            window.harnessError = String(e);
        }),
        onEvent: (listener) => eventListeners.push(listener),
        viewChannels: (ids) => ids.forEach((id) => viewed.add(id)),
        setTheme: applyTheme,
    };
}());
