// `make demo` as a person uses it: the demo binary the Makefile runs is started (on a free
// port), the URL it prints is opened in Chromium, a message sent in the Agents panel streams an
// answer back, AI Actions run from a post's menu (a thread summary, a reaction), and the System
// Console opens on the plugin's settings; with DATABASE_URL, a search finds the seeded
// postmortem. Then Ctrl-C (SIGINT) must stop the demo and its plugin process.
import {spawn} from 'node:child_process';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {chromium} from 'playwright-core';

import {reporter} from './report.mjs';

const webapp = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(webapp, '..');

const {check, reach, failed} = reporter();

// The demo's own choice of model and port are the person's; the test wants the stand-in on a
// free port.
const env = {...process.env, DEMO_PORT: '0'};
delete env.DEMO_OPENAI_URL;
delete env.DEMO_OPENAI_KEY;
delete env.DEMO_OPENAI_MODEL;
const demo = spawn(
    process.env.DEMO_BINARY ?? join(repo, 'target/debug/demo'),
    [process.env.PLUGIN_BINARY ?? join(repo, 'target/debug/mattermost-ai'), webapp],
    {stdio: ['ignore', 'pipe', 'pipe'], env},
);
// Should this script end early, the demo is stopped as a person would stop it.
process.on('exit', () => {
    if (demo.exitCode === null && demo.signalCode === null) {
        demo.kill('SIGINT');
    }
});
const printed = [];
const stderr = [];
createInterface({input: demo.stderr}).on('line', (l) => stderr.push(l));
const exited = new Promise((resolve) => demo.on('exit', (code, signal) => resolve({code, signal})));
const url = await new Promise((resolve, reject) => {
    // A person reads the first line: it must be the one with the address.
    const timer = setTimeout(() => reject(new Error(`the demo's first line has no URL within 60 s: ${printed[0] ?? ''}`)), 60000);
    createInterface({input: demo.stdout}).on('line', (line) => {
        printed.push(line);
        const m = /open (http:\/\/\S+)/.exec(line);
        if (m && printed.length === 1) {
            clearTimeout(timer);
            resolve(m[1]);
        }
    });
    exited.then(({code}) => reject(new Error(`the demo exited with ${code} before printing a URL: ${stderr.join(' | ')}`)));
});
check(true, `the first line it prints is the URL to open (${printed[0]})`);

// The processes the demo started, from /proc (Linux): its plugin must end with it.
function children(pid) {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
        try {
            const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
            return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(pid);
        } catch {
            return false;
        }
    }).map(Number);
}
const alive = (pid) => {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
        return false;
    }
};

const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let plugins = [];
try {
    plugins = children(demo.pid).filter((p) => {
        try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('mattermost-ai');
        } catch {
            return false;
        }
    });
    check(plugins.length === 1, `the demo runs the plugin as its child process (${plugins.join(', ')})`);

    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
    // Answers the plugin gives on purpose: with PostgreSQL, the console asks for a reindex job
    // that never ran (404); without it, for token usage, which is kept in the database (503).
    const expected = (r) => (r.status() === 404 && r.url().endsWith('/admin/reindex/status')) ||
        (r.status() === 503 && new URL(r.url()).pathname.endsWith('/admin/usage') && !status?.search);
    let status;
    page.on('response', (r) => r.status() >= 400 && !expected(r) && errors.push(`${r.status()} ${r.url()}`));
    await page.goto(url);
    await page.waitForFunction(() => window.demoReady || window.demoError, null, {timeout: 20000});
    check(await page.evaluate(() => window.demoError) === undefined, 'the demo page starts the plugin bundle');
    status = await page.evaluate(async () => (await fetch('/demo/status')).json());
    const notes = page.getByRole('note', {name: 'About this demo'});
    if (status.search) {
        check(true, 'search runs (PostgreSQL with pgvector reached)');
    } else {
        await reach('the page says search needs PostgreSQL', () => notes.getByText(/Search is off: it needs PostgreSQL/).waitFor({timeout: 5000}));
    }
    await reach('the page says the answers come from a stand-in', () => notes.getByText(/local stand-in model/).waitFor({timeout: 5000}));

    // Chat in the Agents panel: the answer streams in, word by word.
    await page.getByRole('button', {name: 'Agents'}).click();
    const rhs = page.getByRole('complementary', {name: 'Right-hand sidebar'});
    await rhs.getByLabel('Message the agent').fill('Hello! What can you do?');
    await page.keyboard.press('Enter');
    const answer = rhs.locator('.mattermost-ai-from-agent .post-message__text').last();
    const seen = new Set();
    let stopShown = false;
    const deadline = Date.now() + 30000;
    let text = '';
    while (Date.now() < deadline && !text.includes('DEMO_OPENAI_URL')) {
        text = await answer.innerText({timeout: 1000}).catch(() => '');
        if (text) {
            seen.add(text.length);
        }
        stopShown ||= await rhs.getByRole('button', {name: 'Stop'}).isVisible().catch(() => false);
        await page.waitForTimeout(50);
    }
    check(text.includes('Hi Alex!') && text.includes('DEMO_OPENAI_URL'), `the agent answers the greeting (${text.slice(0, 60).replace(/\n/g, ' ')}…)`);
    check(seen.size >= 5 && stopShown, `the answer streamed in (${seen.size} lengths seen, Stop ${stopShown ? '' : 'not '}offered meanwhile)`);

    // An AI Action from a post's menu in a channel: the summary streams into the panel.
    await page.getByRole('button', {name: 'Release 2.4'}).click();
    const root = page.locator('li.post').filter({hasText: 'We ship 2.4 on Friday'});
    await reach('the channel shows its seeded thread', () => root.waitFor({timeout: 10000}));
    await root.hover();
    await root.getByRole('button', {name: 'Message actions'}).click();
    await page.getByRole('menuitem', {name: 'Summarize thread'}).click();
    await reach('Summarize thread streams a summary of the thread into the panel', async () => {
        await rhs.getByText(/@maria started this thread with/).waitFor({timeout: 20000});
        await rhs.getByText(/Next steps/).waitFor({timeout: 20000});
    });
    const merged = page.locator('li.post').filter({hasText: 'Merged. Do we still need the feature flag'});
    await merged.hover();
    await merged.getByRole('button', {name: 'Message actions'}).click();
    await page.getByRole('menuitem', {name: 'React for me'}).click();
    await reach('React for me adds the agent\'s pick as the user\'s reaction', () =>
        merged.locator('.reaction[title="You reacted with :rocket:"]').waitFor({timeout: 15000}));
    await reach('the separator offers Ask AI on the unread messages', () =>
        page.getByRole('group', {name: 'Ask AI'}).getByRole('button').first().waitFor({timeout: 5000}));

    if (status.search) {
        await rhs.getByRole('button', {name: 'All conversations'}).click();
        await rhs.getByRole('searchbox').fill('what caused the checkout outage?');
        await page.keyboard.press('Enter');
        await reach('search answers from the seeded postmortem, citing it', () =>
            rhs.getByText(/connection pool was exhausted.*\[1\]/).first().waitFor({timeout: 20000}));
    }

    // The System Console: the plugin's settings as the demo saved them.
    await page.getByRole('button', {name: 'System Console'}).click();
    const console_ = page.getByRole('main', {name: 'System Console'});
    await reach('the System Console shows the stand-in service and both agents', async () => {
        await console_.getByRole('group', {name: 'Demo model (local stand-in)'}).waitFor({timeout: 10000});
        await console_.getByRole('group', {name: 'Assistant'}).waitFor({timeout: 5000});
        await console_.getByRole('group', {name: 'Scribe'}).waitFor({timeout: 5000});
    });
    check(errors.length === 0, `no page errors${errors.length ? `: ${errors.join('; ')}` : ''}`);
} catch (e) {
    check(false, e.message);
} finally {
    await browser.close();
}

// Ctrl-C: the demo stops its plugin and exits by itself.
demo.kill('SIGINT');
const timeout = new Promise((r) => setTimeout(() => r(null), 25000));
const end = await Promise.race([exited, timeout]);
check(end !== null && end.code === 0, `SIGINT stops the demo cleanly (${end ? `exit ${end.code}${end.signal ? `, ${end.signal}` : ''}` : 'still running after 25 s'})`);
check(stderr.some((l) => l.startsWith('Stopped')), `the demo says it stopped (${stderr.slice(-2).join(' | ')})`);
for (let i = 0; i < 50 && plugins.some(alive); i++) {
    await new Promise((r) => setTimeout(r, 100));
}
const left = plugins.filter(alive);
check(plugins.length > 0 && left.length === 0, `no plugin process is left behind${left.length ? ` (${left.join(', ')})` : ''}`);
if (end === null) {
    demo.kill('SIGKILL');
}
left.filter((p) => existsSync(`/proc/${p}`)).forEach((p) => {
    try {
        process.kill(p, 'SIGKILL');
    } catch {
        // Gone meanwhile.
    }
});
if (failed()) {
    console.log(`demo's stderr:\n${stderr.join('\n')}`);
}
process.exit(failed() ? 1 : 0);
