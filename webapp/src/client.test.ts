import {afterEach, describe, expect, it} from 'vitest';

import {createPost, decideToolCalls, getAgents, stopPost, uploadAvatar} from './client';
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
});
