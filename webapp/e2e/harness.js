// A Mattermost-shaped host for the built plugin bundle: a registry that records what the plugin
// registers, a store with the current user, the System Console's custom-setting slot with a
// Save button, the right-hand sidebar, and websocket events delivered from the test server's
// event stream. It stands in for Mattermost's webapp only; everything behind it is the real
// plugin under the simulator.
(function () {
    const registered = {};
    const wsHandlers = {};
    const headerButtons = [];
    const RHS_TOGGLE = {type: 'harness/toggle_rhs'};
    const RHS_SHOW = {type: 'harness/show_rhs'};
    let rhsComponent = null;
    let rhsRoot = null;
    let me = null;
    let configValue;

    const registry = new Proxy({}, {
        get: (_, name) => (...args) => {
            (registered[name] = registered[name] || []).push(args);
            switch (name) {
            case 'registerRightHandSidebarComponent':
                rhsComponent = args[0];
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
                if (rhsRoot) {
                    rhsRoot.unmount();
                    rhsRoot = null;
                }
                if (open && rhsComponent) {
                    rhsRoot = ReactDOM.createRoot(document.getElementById('rhs'));
                    rhsRoot.render(React.createElement(rhsComponent));
                }
            }
            return action;
        },
    };

    let plugin = null;
    window.registerPlugin = (id, p) => {
        window.pluginId = id;
        plugin = p;
    };

    async function start() {
        me = await (await fetch('/api/v4/users/me')).json();
        plugin.initialize(registry, store);
        window.registered = registered;

        const bar = document.getElementById('channel-header-buttons');
        headerButtons.forEach((b) => {
            const el = document.createElement('span');
            bar.appendChild(el);
            ReactDOM.createRoot(el).render(React.createElement('button', {type: 'button', 'aria-label': b.tooltip, onClick: b.action}, b.icon));
        });

        const setting = (registered.registerAdminConsoleCustomSetting || [])[0];
        const save = document.getElementById('save');
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
            }));
        }
        save.onclick = async () => {
            save.disabled = true;
            const r = await fetch('/harness/plugin_config', {
                method: 'PUT',
                headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest'},
                body: JSON.stringify({[setting[0]]: configValue}),
            });
            document.getElementById('saved').textContent = r.ok ? 'Settings saved' : 'Save failed: ' + r.status;
        };

        const events = new EventSource('/harness/events');
        events.onmessage = (e) => {
            const msg = JSON.parse(e.data);
            (wsHandlers[msg.event] || []).forEach((h) => h(msg));
        };
        window.harnessReady = true;
    }

    window.harness = {start: () => start().catch((e) => {
        window.harnessError = String(e);
    })};
}());
