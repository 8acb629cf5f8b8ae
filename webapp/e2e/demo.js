// The demo page (make demo): a small Mattermost around the plugin's bundle, built on the test
// harness (harness.js: the registry, the store, themes, the System Console's slot and save bar,
// the right-hand sidebar and the server's events). It adds what a person needs to try the
// plugin: the team's channels and agents in a sidebar, a channel view with posts, the post menu
// with the AI Actions, the new-messages line with Ask AI, a composer, and the System Console as
// a page of its own. Everything behind it is the real plugin under the simulator.
(function () {
    const h = React.createElement;
    const csrf = () => (document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('MMCSRF=')) || '').slice(7);

    async function api(path, {method = 'GET', body} = {}) {
        const headers = {'X-Requested-With': 'XMLHttpRequest'};
        if (body !== undefined) {
            headers['Content-Type'] = 'application/json';
        }
        if (method !== 'GET') {
            headers['X-CSRF-Token'] = csrf();
        }
        const r = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
        if (!r.ok) {
            let message = `HTTP ${r.status}`;
            try {
                message = (await r.json()).message || message;
            } catch {
                // Not JSON: the status says enough.
            }
            throw new Error(message);
        }
        return r.json();
    }

    // One store for the page; components read it with useStore and re-render on change.
    let state = {
        me: null,
        users: new Map(),
        channels: [],
        agents: [],
        status: {notes: []},
        // channel id → (post id → post), for the channels opened so far
        posts: new Map(),
        // channel id → when the user had last looked, fixed for the visit so the line stays put
        lastViewed: new Map(),
        unread: new Set(),
        // post id → its reactions ({user_id, emoji_name})
        reactions: new Map(),
        view: null,
        highlight: null,
        notesHidden: false,
    };
    const listeners = new Set();
    function set(patch) {
        state = {...state, ...patch};
        listeners.forEach((l) => l());
    }
    function useStore() {
        return React.useSyncExternalStore((l) => {
            listeners.add(l);
            return () => listeners.delete(l);
        }, () => state);
    }

    // The harness's stand-in for Mattermost's markdown renders links, images and bold only,
    // which is what the tests look at; answers read better with lists, italics and code too.
    // Each block still goes through the harness's formatter (its link and image rules hold).
    const baseFormat = window.PostUtils.formatText;
    const unwrap = (html) => html.replace(/^<p>([\s\S]*)<\/p>$/, '$1');
    const inlineExtras = (html) => html
        .replace(/`([^`]+)`/g, '<code>$1</code>')
        .replace(/(^|[^*\w])\*([^*\s][^*]*?)\*(?!\*)/g, '$1<em>$2</em>');
    const listItem = /^\s*[-*] /;
    function formatList(lines, options) {
        const items = lines.map((l) => {
            const item = l.replace(listItem, '');
            const box = /^\[( |x)\] /i.exec(item);
            const html = inlineExtras(unwrap(baseFormat(box ? item.slice(4) : item, options)));
            return `<li>${box ? `<span aria-hidden="true">${box[1] === ' ' ? '☐' : '☑'}</span> ` : ''}${html}</li>`;
        });
        return `<ul>${items.join('')}</ul>`;
    }
    window.PostUtils.formatText = (text, options = {}) => String(text || '').split(/\n{2,}/).map((block) => {
        // Runs of list lines become lists; the lines between them stay paragraphs.
        const runs = [];
        block.split('\n').forEach((line) => {
            const list = listItem.test(line);
            const last = runs[runs.length - 1];
            if (last && last.list === list) {
                last.lines.push(line);
            } else {
                runs.push({list, lines: [line]});
            }
        });
        return runs.map((r) => (r.list ? formatList(r.lines, options) : inlineExtras(baseFormat(r.lines.join('\n'), options)))).join('');
    }).join('');

    const displayName = (u) => (u ? ([u.first_name, u.last_name].filter(Boolean).join(' ') || u.username) : 'Someone');
    const otherUser = (channel) => channel.name.split('__').find((id) => id !== state.me.id);
    const agentOf = (channel) => channel.type === 'D' && state.agents.find((a) => a.id === otherUser(channel));
    const channelLabel = (channel) => {
        if (channel.type === 'D') {
            return displayName(state.users.get(otherUser(channel)));
        }
        return channel.display_name || channel.name;
    };

    async function ensureUsers(ids) {
        const missing = Array.from(new Set(ids)).filter((id) => id && !state.users.has(id));
        if (missing.length === 0) {
            return;
        }
        const found = await api('/api/v4/users/ids', {method: 'POST', body: missing});
        const users = new Map(state.users);
        found.forEach((u) => users.set(u.id, u));
        set({users});
    }

    function storePosts(channelId, posts) {
        const all = new Map(state.posts);
        const channel = new Map(all.get(channelId) || []);
        posts.forEach((p) => channel.set(p.id, p));
        all.set(channelId, channel);
        set({posts: all});
        ensureUsers(posts.map((p) => p.user_id)).catch(() => undefined);
        posts.filter((p) => p.has_reactions && !state.reactions.has(p.id)).forEach((p) => {
            api(`/api/v4/posts/${p.id}/reactions`).then((list) => addReactions(p.id, list), () => undefined);
        });
    }

    function addReactions(postId, list) {
        const all = new Map(state.reactions);
        const mine = [...(all.get(postId) || [])];
        list.forEach((r) => {
            if (!mine.some((m) => m.user_id === r.user_id && m.emoji_name === r.emoji_name)) {
                mine.push(r);
            }
        });
        all.set(postId, mine);
        set({reactions: all});
    }

    async function loadChannels() {
        const [channels, members] = await Promise.all([api('/api/v4/users/me/channels'), api('/api/v4/users/me/channel_members')]);
        const lastViewed = new Map(state.lastViewed);
        members.forEach((m) => {
            if (!lastViewed.has(m.channel_id)) {
                lastViewed.set(m.channel_id, m.last_viewed_at || 0);
            }
        });
        set({channels, lastViewed});
        await ensureUsers(channels.filter((c) => c.type === 'D').map(otherUser));
    }

    async function loadAgents() {
        const r = await api('/plugins/mattermost-ai/ai_bots');
        set({agents: r.bots || []});
        await ensureUsers(state.agents.map((a) => a.id));
    }

    async function openChannelPosts(channelId) {
        if (!state.posts.has(channelId)) {
            const list = await api(`/api/v4/channels/${channelId}/posts`);
            storePosts(channelId, list.order.map((id) => list.posts[id]));
        }
        const unread = new Set(state.unread);
        unread.delete(channelId);
        set({unread});
    }

    // Where the page is, in the address's fragment: #/channel/<name>, #/dm/<agent>, #/console.
    async function route() {
        const [, kind, name] = window.location.hash.split('/');
        if (kind === 'console') {
            set({view: {kind: 'console'}});
        } else if (kind === 'dm') {
            const agent = state.agents.find((a) => a.username === decodeURIComponent(name || ''));
            if (!agent) {
                window.location.hash = '#/channel/town-square';
                return;
            }
            let id = agent.dmChannelID;
            if (!id) {
                id = (await api('/api/v4/channels/direct', {method: 'POST', body: [state.me.id, agent.id]})).id;
                await Promise.all([loadChannels(), loadAgents()]);
            }
            set({view: {kind: 'channel', id}});
            await openChannelPosts(id);
        } else {
            const channel = state.channels.find((c) => c.name === decodeURIComponent(name || '')) ||
                state.channels.find((c) => c.name === 'town-square') || state.channels.find((c) => c.type === 'O');
            if (!channel) {
                return;
            }
            set({view: {kind: 'channel', id: channel.id}});
            await openChannelPosts(channel.id);
        }
        const consoleView = state.view.kind === 'console';
        document.getElementById('console-view').hidden = !consoleView;
        document.getElementById('channel-view').hidden = consoleView;
    }

    function hashFor(channel) {
        const agent = agentOf(channel);
        if (agent) {
            return `#/dm/${encodeURIComponent(agent.username)}`;
        }
        return `#/channel/${encodeURIComponent(channel.name)}`;
    }

    async function goToChannel(channelId, postId) {
        let channel = state.channels.find((c) => c.id === channelId);
        if (!channel) {
            await loadChannels();
            channel = state.channels.find((c) => c.id === channelId);
        }
        if (!channel) {
            return;
        }
        set({highlight: postId || null});
        if (window.location.hash === hashFor(channel)) {
            await route();
        } else {
            window.location.hash = hashFor(channel);
        }
    }

    // Links to posts and channels (the panel's "Open in the channel") stay in the page, as in
    // Mattermost's single-page app.
    async function openPost(postId) {
        const post = await api(`/api/v4/posts/${postId}`);
        await goToChannel(post.channel_id, post.id);
    }
    window.WebappUtils = {browserHistory: {push: (path) => {
        const m = /\/_redirect\/(pc|pl)\/([a-z0-9]+)$/.exec(path);
        if (m) {
            (m[1] === 'pc' ? goToChannel(m[2]) : openPost(m[2])).catch(() => undefined);
        }
    }}};
    document.addEventListener('click', (e) => {
        const a = e.target.closest && e.target.closest('a[href]');
        if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) {
            return;
        }
        const url = new URL(a.getAttribute('href'), window.location.href);
        const m = /\/(?:_redirect\/)?pl\/([a-z0-9]+)$/.exec(url.pathname);
        if (url.origin === window.location.origin && m) {
            e.preventDefault();
            openPost(m[1]).catch(() => undefined);
        }
    }, true);

    function onEvent(msg) {
        if (msg.event === 'reaction_added') {
            const r = JSON.parse(msg.data.reaction);
            addReactions(r.post_id, [r]);
            return;
        }
        if (msg.event !== 'posted' && msg.event !== 'post_edited') {
            return;
        }
        const post = JSON.parse(msg.data.post);
        if (!state.channels.some((c) => c.id === post.channel_id)) {
            // A new channel: the DM an AI Action or the panel just opened with an agent.
            Promise.all([loadChannels(), loadAgents()]).catch(() => undefined);
        }
        if (state.posts.has(post.channel_id)) {
            storePosts(post.channel_id, [post]);
        }
        const viewing = state.view && state.view.kind === 'channel' && state.view.id === post.channel_id;
        if (msg.event === 'posted' && !viewing && post.user_id !== state.me.id) {
            set({unread: new Set(state.unread).add(post.channel_id)});
        }
    }

    // The sidebar: channels, the agents (their DMs), the System Console.
    function Sidebar() {
        const s = useStore();
        const current = s.view && s.view.kind === 'channel' ? s.view.id : null;
        const item = (key, label, icon, hash, active, unread) => h('button', {
            key,
            type: 'button',
            className: `side-item${unread ? ' unread' : ''}`,
            'aria-current': active ? 'page' : undefined,
            onClick: () => {
                window.location.hash = hash;
            },
        }, icon, h('span', null, label));
        const channels = s.channels.filter((c) => c.type === 'O' || c.type === 'P');
        return h(React.Fragment, null,
            h('div', {className: 'side-group', id: 'side-channels'}, 'Channels'),
            h('div', {role: 'group', 'aria-labelledby': 'side-channels'}, channels.map((c) => item(c.id, c.display_name || c.name,
                h('i', {className: `icon ${c.type === 'P' ? 'icon-lock-outline' : 'icon-globe'}`, 'aria-hidden': true}),
                `#/channel/${encodeURIComponent(c.name)}`, c.id === current, s.unread.has(c.id)))),
            h('div', {className: 'side-group', id: 'side-agents'}, 'Agents'),
            h('div', {role: 'group', 'aria-labelledby': 'side-agents'}, s.agents.map((a) => item(a.id, a.displayName,
                h('img', {src: `/api/v4/users/${a.id}/image?_=${a.lastIconUpdate || 0}`, alt: ''}),
                `#/dm/${encodeURIComponent(a.username)}`, a.dmChannelID !== '' && a.dmChannelID === current, s.unread.has(a.dmChannelID)))),
            h('div', {className: 'side-group', id: 'side-admin'}, 'Admin'),
            h('div', {role: 'group', 'aria-labelledby': 'side-admin'}, item('console', 'System Console',
                h('i', {className: 'icon icon-cog-outline', 'aria-hidden': true}), '#/console', s.view && s.view.kind === 'console', false)),
        );
    }

    function Title() {
        const s = useStore();
        if (!s.view) {
            return null;
        }
        if (s.view.kind === 'console') {
            return h(React.Fragment, null, h('h1', null, 'System Console'), h('span', {className: 'purpose'}, 'Plugins › Agents'));
        }
        const channel = s.channels.find((c) => c.id === s.view.id);
        if (!channel) {
            return null;
        }
        if (channel.type === 'D') {
            return h(React.Fragment, null, h('h1', null, channelLabel(channel)), ' ', agentOf(channel) && h('span', {className: 'bot-tag'}, 'BOT'),
                h('span', {className: 'purpose'}, 'Direct message with an agent'));
        }
        return h(React.Fragment, null, h('h1', null, channelLabel(channel)), h('span', {className: 'purpose'}, channel.purpose));
    }

    function Notes() {
        const s = useStore();
        if (s.notesHidden) {
            return null;
        }
        const notes = [];
        notes.push(h('li', {key: 'try'}, 'Try: the ', h('strong', null, 'Agents'), ' button (top right) to chat; a message\'s ',
            h('strong', null, '⋯'), ' menu for AI Actions (', h('em', null, 'Release 2.4'), ' has a thread); ', h('strong', null, 'Ask AI'),
            ' on a New messages line; the ', h('strong', null, 'System Console'), ' in the sidebar.'));
        if (s.status.standIn) {
            notes.push(h('li', {key: 'model'}, 'Answers come from a local stand-in model that follows simple rules. Start the demo with ',
                h('code', null, 'DEMO_OPENAI_URL'), ' for a real one.'));
        }
        (s.status.notes || []).forEach((n, i) => notes.push(h('li', {key: `n${i}`}, n)));
        return h('div', {className: 'notes', role: 'note', 'aria-label': 'About this demo'},
            h('ul', null, notes),
            h('button', {type: 'button', 'aria-label': 'Hide these notes', title: 'Hide these notes', onClick: () => set({notesHidden: true})},
                h('i', {className: 'icon icon-close', 'aria-hidden': true})));
    }

    function PostMenu({post}) {
        const [open, setOpen] = React.useState(false);
        const menu = React.useRef(null);
        React.useEffect(() => {
            if (!open) {
                return undefined;
            }
            menu.current?.querySelector('button')?.focus();
            const close = (e) => {
                if (!menu.current?.parentElement?.contains(e.target)) {
                    setOpen(false);
                }
            };
            document.addEventListener('mousedown', close);
            return () => document.removeEventListener('mousedown', close);
        }, [open]);
        const actions = ((window.registered || {}).registerPostDropdownMenuAction || []).filter(([, , filter]) => !filter || filter(post.id));
        if (actions.length === 0) {
            return null;
        }
        return h('div', {className: `post-actions${open ? ' open' : ''}`},
            h('button', {type: 'button', 'aria-label': 'Message actions', title: 'Message actions', 'aria-haspopup': 'menu', 'aria-expanded': open,
                onClick: () => setOpen(!open)}, h('i', {className: 'icon icon-dots-horizontal', 'aria-hidden': true})),
            open && h('div', {className: 'menu', role: 'menu', 'aria-label': 'Message actions', ref: menu,
                onKeyDown: (e) => {
                    if (e.key === 'Escape') {
                        setOpen(false);
                    }
                }},
            h('div', {className: 'menu-title', 'aria-hidden': true}, 'AI Actions'),
            actions.map(([text, action]) => h('button', {key: text, type: 'button', role: 'menuitem', onClick: () => {
                setOpen(false);
                action(post.id);
            }}, text))));
    }

    // The emoji the stand-in model picks, as pictures; others by name, as Mattermost writes them.
    const EMOJI = {thumbsup: '👍', tada: '🎉', eyes: '👀', heart: '❤️', joy: '😂', rocket: '🚀', white_check_mark: '✅',
        pray: '🙏', fire: '🔥', thinking_face: '🤔', building_construction: '🏗️'};

    function Reactions({postId}) {
        const s = useStore();
        const list = s.reactions.get(postId) || [];
        const byEmoji = new Map();
        list.forEach((r) => byEmoji.set(r.emoji_name, [...(byEmoji.get(r.emoji_name) || []), r.user_id]));
        if (byEmoji.size === 0) {
            return null;
        }
        return h('div', {className: 'reactions'}, Array.from(byEmoji, ([emoji, users]) => {
            const who = users.map((id) => (id === s.me.id ? 'You' : displayName(s.users.get(id)))).join(', ');
            return h('span', {key: emoji, className: 'reaction', title: `${who} reacted with :${emoji}:`},
                h('span', {'aria-hidden': true}, EMOJI[emoji] || `:${emoji}:`), h('span', {className: 'sr-only'}, `${who} reacted with ${emoji}`), ` ${users.length}`);
        }));
    }

    const time = (ms) => new Date(ms).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});

    function PostItem({post, types, highlight, sameThread}) {
        const s = useStore();
        const author = s.users.get(post.user_id);
        // As Mattermost without collapsed threads: a reply names its thread unless it follows it.
        const root = post.root_id && !sameThread ? (s.posts.get(post.channel_id) || new Map()).get(post.root_id) : null;
        const ref = React.useRef(null);
        React.useEffect(() => {
            if (highlight) {
                ref.current?.scrollIntoView({block: 'center'});
            }
        }, [highlight]);
        const Body = types[post.type];
        const body = Body ? h(Body, {post}) : window.PostUtils.messageHtmlToComponent(window.PostUtils.formatText(post.message, {markdown: true}));
        return h('li', {className: `post${highlight ? ' highlight' : ''}`, 'data-post-id': post.id, ref},
            h('img', {className: 'avatar', src: `/api/v4/users/${post.user_id}/image`, alt: ''}),
            h('div', null,
                h('div', {className: 'post-head'}, h('strong', null, displayName(author)), author && author.is_bot && h('span', {className: 'bot-tag'}, 'BOT'),
                    h('time', {dateTime: new Date(post.create_at).toISOString()}, time(post.create_at))),
                root && h('div', {className: 'reply-to'}, `Replying to ${displayName(s.users.get(root.user_id))}: ${root.message.slice(0, 80)}${root.message.length > 80 ? '…' : ''}`),
                h('div', {className: 'post-body'}, body),
                h(Reactions, {postId: post.id})),
            h(PostMenu, {post}));
    }

    function Posts({channel}) {
        const s = useStore();
        const scroller = React.useRef(null);
        const list = React.useRef(null);
        const stick = React.useRef(true);
        const posts = Array.from((s.posts.get(channel.id) || new Map()).values()).filter((p) => !p.delete_at).sort((a, b) => a.create_at - b.create_at);
        // Streaming answers grow without a render here: follow them while the reader is at the end.
        React.useEffect(() => {
            const follow = () => {
                if (stick.current && scroller.current) {
                    scroller.current.scrollTop = scroller.current.scrollHeight;
                }
            };
            const observer = new ResizeObserver(follow);
            if (list.current) {
                observer.observe(list.current);
            }
            follow();
            return () => observer.disconnect();
        }, [channel.id]);
        const types = {};
        ((window.registered || {}).registerPostTypeComponent || []).forEach(([type, component]) => {
            types[type] = component;
        });
        const Separator = (((window.registered || {}).registerNewMessagesSeparatorActionComponent || [])[0] || [])[0];
        const lastViewed = s.lastViewed.get(channel.id) || 0;
        const firstUnread = lastViewed > 0 ? posts.find((p) => p.create_at > lastViewed && p.user_id !== s.me.id) : null;
        const items = [];
        const thread = (p) => p.root_id || p.id;
        posts.forEach((p, i) => {
            const separator = firstUnread && p.id === firstUnread.id;
            if (separator) {
                items.push(h('li', {key: 'new-messages', className: 'new-messages', role: 'separator', 'aria-label': 'New messages'},
                    h('span', null, 'New messages'), Separator && h(Separator, {channelId: channel.id, lastViewedAt: lastViewed})));
            }
            const sameThread = i > 0 && !separator && thread(posts[i - 1]) === thread(p);
            items.push(h(PostItem, {key: p.id, post: p, types, highlight: s.highlight === p.id, sameThread}));
        });
        return h('section', {
            className: 'posts',
            'aria-label': `Messages in ${channelLabel(channel)}`,
            ref: scroller,
            onScroll: (e) => {
                const el = e.currentTarget;
                stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
            },
        }, posts.length === 0 ? h('p', {className: 'empty'}, agentOf(channel) ? `No messages yet. Say hello to ${channelLabel(channel)}.` : 'No messages yet.') : null,
        h('ol', {ref: list}, items));
    }

    function Composer({channel}) {
        const [text, setText] = React.useState('');
        const [error, setError] = React.useState('');
        const [sending, setSending] = React.useState(false);
        const label = channelLabel(channel);
        const agent = agentOf(channel);
        const send = async () => {
            if (!text.trim() || sending) {
                return;
            }
            setSending(true);
            try {
                const post = await api('/api/v4/posts', {method: 'POST', body: {channel_id: channel.id, message: text}});
                storePosts(channel.id, [post]);
                setText('');
                setError('');
            } catch (e) {
                setError(`The message was not sent: ${e.message}`);
            } finally {
                setSending(false);
            }
        };
        const hint = agent ? `${label} answers here. Enter to send, Shift+Enter for a new line.` :
            `Mention @${(state.agents[0] || {username: 'assistant'}).username} to ask an agent here. Enter to send.`;
        return h('form', {className: 'composer', onSubmit: (e) => {
            e.preventDefault();
            send();
        }},
        h('textarea', {
            'aria-label': `Write to ${label}`,
            placeholder: `Write to ${label}`,
            value: text,
            rows: 1,
            onChange: (e) => setText(e.target.value),
            onKeyDown: (e) => {
                if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                    e.preventDefault();
                    send();
                }
            },
        }),
        h('div', {className: 'composer-foot'}, error ? h('span', {className: 'error-text', role: 'alert'}, error) : h('span', null, hint),
            h('button', {type: 'submit', disabled: !text.trim() || sending}, 'Send')));
    }

    function ChannelView() {
        const s = useStore();
        const channel = s.view && s.view.kind === 'channel' && s.channels.find((c) => c.id === s.view.id);
        if (!channel) {
            return null;
        }
        return h(React.Fragment, null, h(Posts, {key: channel.id, channel}), h(Composer, {key: `c-${channel.id}`, channel}));
    }

    async function main() {
        const theme = document.getElementById('theme');
        const saved = window.localStorage.getItem('mattermost-ai-demo-theme');
        theme.value = saved || document.documentElement.dataset.theme || 'denim';
        window.harness.setTheme(theme.value);
        theme.onchange = () => {
            window.harness.setTheme(theme.value);
            window.localStorage.setItem('mattermost-ai-demo-theme', theme.value);
        };

        await window.harness.start({loadConfig: true});
        if (window.harnessError) {
            throw new Error(window.harnessError);
        }
        window.harness.onEvent(onEvent);
        const [me, status, teams] = await Promise.all([api('/api/v4/users/me'), api('/demo/status'), api('/api/v4/users/me/teams')]);
        set({me, status});
        if (teams[0]) {
            document.getElementById('team-name').textContent = teams[0].display_name || teams[0].name;
        }
        await Promise.all([loadChannels(), loadAgents()]);
        // A saved System Console may have renamed or added agents.
        new MutationObserver(() => loadAgents().catch(() => undefined)).observe(document.getElementById('saved'), {childList: true, characterData: true, subtree: true});

        ReactDOM.createRoot(document.getElementById('sidebar-list')).render(h(Sidebar));
        ReactDOM.createRoot(document.getElementById('view-title')).render(h(Title));
        ReactDOM.createRoot(document.getElementById('notes')).render(h(Notes));
        ReactDOM.createRoot(document.getElementById('channel-view')).render(h(ChannelView));
        window.addEventListener('hashchange', () => {
            route().catch((e) => {
                window.demoError = String(e);
            });
        });
        await route();
        window.demoReady = true;
    }

    main().catch((e) => {
        window.demoError = String(e);
        document.getElementById('notes').textContent = `The demo page could not start: ${e.message || e}`;
    });
}());
