// A real-browser check of the built bundle: Chromium loads dist/main.js next to React's UMD
// builds (as Mattermost provides React on window), the plugin registers, the System Console
// component renders and edits, and a bot post streams from the websocket handler.
import {readFileSync} from 'node:fs';
import {createServer} from 'node:http';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {chromium} from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = {
    '/react.js': join(root, 'node_modules/react/umd/react.production.min.js'),
    '/react-dom.js': join(root, 'node_modules/react-dom/umd/react-dom.production.min.js'),
    '/main.js': join(root, 'dist/main.js'),
};
const page = `<!doctype html><html><body><div id="root"></div><div id="post"></div>
<script src="/react.js"></script><script src="/react-dom.js"></script>
<script>
window.registered = {};
window.changes = [];
const registry = new Proxy({}, {get: (_, name) => (...args) => {
  (window.registered[name] = window.registered[name] || []).push(args);
  if (name === 'registerRightHandSidebarComponent') return {toggleRHSPlugin: {}, showRHSPlugin: {}};
}});
window.registerPlugin = (id, plugin) => { window.pluginId = id; plugin.initialize(registry, {getState: () => ({entities: {users: {currentUserId: 'u1'}}}), dispatch() {}}); };
</script>
<script src="/main.js"></script>
<script>
const Config = window.registered.registerAdminConsoleCustomSetting[0][1];
const value = {services: [{id: 's1', name: 'OpenAI', type: 'openai', apiKey: 'sk'}], bots: [{id: 'b1', name: 'ai', displayName: 'Assistant', serviceID: 's1'}]};
ReactDOM.createRoot(document.getElementById('root')).render(React.createElement(Config, {id: 'Config', value, onChange: (id, v) => window.changes.push(v), setSaveNeeded() {}}));
const PostType = window.registered.registerPostTypeComponent[0][1];
ReactDOM.createRoot(document.getElementById('post')).render(React.createElement(PostType, {post: {id: 'p1', user_id: 'bot', channel_id: 'c', message: '', props: {llm_requester_user_id: 'u1'}}}));
window.ws = window.registered.registerWebSocketEventHandler[0][1];
</script></body></html>`;

const server = createServer((req, res) => {
    if (req.url === '/') {
        res.writeHead(200, {'content-type': 'text/html'});
        res.end(page);
    } else if (files[req.url]) {
        res.writeHead(200, {'content-type': 'text/javascript'});
        res.end(readFileSync(files[req.url]));
    } else if (req.url.startsWith('/plugins/mattermost-ai/ai_bots')) {
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({bots: [], license: {multipleAgents: true, fineGrainedAccess: true, usageTracking: true, embeddingSearch: true, mcp: true, aiActions: true}}));
    } else if (req.url.startsWith('/plugins/mattermost-ai/admin/config/check')) {
        res.writeHead(200, {'content-type': 'application/json'});
        res.end(JSON.stringify({problems: []}));
    } else {
        res.writeHead(404);
        res.end();
    }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
const check = (ok, what) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    failed ||= !ok;
};
try {
    const p = await browser.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(url);
    await p.getByText('Add service').waitFor({timeout: 5000});
    check(await p.evaluate(() => window.pluginId) === 'mattermost-ai', 'the bundle registers as mattermost-ai');
    const registered = await p.evaluate(() => Object.keys(window.registered).sort());
    check(['registerAdminConsoleCustomSetting', 'registerPostTypeComponent', 'registerWebSocketEventHandler', 'registerRightHandSidebarComponent'].every((n) => registered.includes(n)), `registry calls: ${registered.join(', ')}`);
    await p.getByText('Add service').click();
    await p.getByText('Add agent').click();
    const last = await p.evaluate(() => window.changes[window.changes.length - 1]);
    check(last?.services?.length === 2 && last?.bots?.length === 2, 'the System Console editor adds a service and an agent');
    await p.evaluate(() => {
        window.ws({data: {post_id: 'p1', control: 'start'}});
        window.ws({data: {post_id: 'p1', next: 'Streaming in a real browser'}});
    });
    await p.getByText('Streaming in a real browser').waitFor({timeout: 5000});
    check(await p.getByText('Stop').isVisible(), 'a streaming bot post shows Stop to its requester');
    check(errors.length === 0, `no page errors ${errors.join('; ')}`);
} finally {
    await browser.close();
    server.close();
}
process.exit(failed ? 1 : 0);
