import {afterEach, describe, expect, it} from 'vitest';

import {
    clearMcpToolsCache, createPost, decideToolCalls, disconnectMcpServer, getAgents, getMcpTools, getUserMcpTools, mcpServerEndpoint,
    setSiteURLSource, stopPost, uploadAvatar,
} from './client';
import {serve} from './test_support';

describe('requests', () => {
    afterEach(() => {
        document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
    });

    it("carry Mattermost's CSRF token on every write", async () => {
        document.cookie = 'MMCSRF=csrf-123; path=/';
        const calls = serve({'/': () => ({})});
        await stopPost('p1');
        await decideToolCalls('p1', []);
        await createPost('c1', 'hi');
        await uploadAvatar('bot1', new Blob([new Uint8Array([1])]));
        await getAgents();
        const headers = (i: number) => calls[i].init?.headers as Record<string, string>;
        for (let i = 0; i < 4; i++) {
            expect(calls[i].init?.method).toBe('POST');
            expect(headers(i)['X-CSRF-Token']).toBe('csrf-123');
            expect(headers(i)['X-Requested-With']).toBe('XMLHttpRequest');
        }
        expect(calls[4].init?.method).toBe('GET');
        expect(headers(4)['X-CSRF-Token']).toBeUndefined();
        expect(headers(4)['X-Requested-With']).toBe('XMLHttpRequest');
    });

    it('clears the MCP tool cache with a write, and lists tools with a read', async () => {
        document.cookie = 'MMCSRF=csrf-123; path=/';
        const calls = serve({'/admin/mcp/tools/cache/clear': () => ({cleared_servers: 2, message: 'ok'}), '/admin/mcp/tools': () => ({servers: []})});
        expect(await clearMcpToolsCache()).toEqual({cleared_servers: 2, message: 'ok'});
        expect(await getMcpTools()).toEqual({servers: []});
        expect(calls.map((c) => [c.init?.method, c.url])).toEqual([
            ['POST', '/plugins/mattermost-ai/admin/mcp/tools/cache/clear'],
            ['GET', '/plugins/mattermost-ai/admin/mcp/tools'],
        ]);
        expect((calls[0].init?.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-123');
    });

    it("reads the user's MCP connections, and disconnects one by its encoded name with a write", async () => {
        document.cookie = 'MMCSRF=csrf-123; path=/';
        const calls = serve({'/mcp/oauth/': () => undefined, '/mcp/tools': () => ({tools: [], servers: []})});
        expect(await getUserMcpTools()).toEqual({tools: [], servers: []});
        await disconnectMcpServer('Git Hub/ü?x');
        expect(calls.map((c) => [c.init?.method, c.url])).toEqual([
            ['GET', '/plugins/mattermost-ai/mcp/tools'],
            ['DELETE', '/plugins/mattermost-ai/mcp/oauth/Git%20Hub%2F%C3%BC%3Fx'],
        ]);
        expect((calls[1].init?.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-123');
    });

    it('gives the MCP server endpoint under the Site URL, else under this page', () => {
        setSiteURLSource(() => 'https://chat.example.com/team-site/');
        expect(mcpServerEndpoint()).toBe('https://chat.example.com/team-site/plugins/mattermost-ai/mcp-server/mcp');
        setSiteURLSource(() => undefined);
        window.basename = '/chat';
        expect(mcpServerEndpoint()).toBe(`${window.location.origin}/chat/plugins/mattermost-ai/mcp-server/mcp`);
        delete window.basename;
    });
});
