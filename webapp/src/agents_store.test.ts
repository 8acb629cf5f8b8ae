import {beforeEach, describe, expect, it} from 'vitest';

import {getAgentsState, loadAgents, resetAgents, setAgents} from './agents_store';
import {agent, license, serve} from './test_support';

beforeEach(() => resetAgents());

describe('agents store', () => {
    it('knows nothing until the list is read', () => {
        expect(getAgentsState()).toEqual({loaded: false, botIds: new Set(), allowUnsafeLinks: false});
    });

    it('keeps the bot ids of the list and whether unsafe links are allowed', () => {
        setAgents({bots: [agent, {...agent, id: ''}, {...agent, id: 42 as unknown as string}], searchEnabled: false, allowUnsafeLinks: true});
        expect(getAgentsState()).toEqual({loaded: true, botIds: new Set(['bot1']), allowUnsafeLinks: true});
        resetAgents();
        expect(getAgentsState().loaded).toBe(false);
    });

    it('shares one request between concurrent loads', async () => {
        const calls = serve({'/ai_bots': () => ({bots: [agent], license, searchEnabled: false, allowUnsafeLinks: false})});
        const [a, b] = await Promise.all([loadAgents(), loadAgents()]);
        expect(a).toBe(b);
        expect(calls).toHaveLength(1);
        expect(getAgentsState().botIds.has('bot1')).toBe(true);
    });
});
