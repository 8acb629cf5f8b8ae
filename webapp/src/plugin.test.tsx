import {render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from './agents_store';
import ConfigEditor from './components/config';
import Plugin, {POST_TYPE, POST_UPDATE_EVENT} from './plugin';
import {resetLiveAnswers} from './stream_store';
import {agent, license, serve} from './test_support';
import type {PluginRegistry} from './types';

beforeEach(() => {
    resetLiveAnswers();
    resetAgents();
});
afterEach(() => vi.unstubAllGlobals());

describe('Plugin', () => {
    it('registers every piece with Mattermost', () => {
        serve({'/ai_bots': () => ({bots: [agent], license})});
        const registry = {
            registerAdminConsoleCustomSetting: vi.fn(),
            registerRightHandSidebarComponent: vi.fn(() => ({toggleRHSPlugin: {type: 'toggle'}, showRHSPlugin: {type: 'show'}})),
            registerChannelHeaderButtonAction: vi.fn(),
            registerPostTypeComponent: vi.fn(),
            registerPostDropdownMenuAction: vi.fn(),
            registerNewMessagesSeparatorActionComponent: vi.fn(),
            registerWebSocketEventHandler: vi.fn(),
            registerTranslations: vi.fn(),
        };
        new Plugin().initialize(registry as unknown as PluginRegistry, {getState: () => ({}), dispatch: vi.fn()});
        expect(registry.registerAdminConsoleCustomSetting).toHaveBeenCalledWith('Config', ConfigEditor);
        expect(registry.registerPostTypeComponent.mock.calls[0][0]).toBe(POST_TYPE);
        expect(registry.registerWebSocketEventHandler.mock.calls[0][0]).toBe('custom_mattermost-ai_postupdate');
        expect(POST_UPDATE_EVENT).toBe('custom_mattermost-ai_postupdate');
        expect(registry.registerPostDropdownMenuAction).toHaveBeenCalledTimes(4);
        expect(registry.registerRightHandSidebarComponent).toHaveBeenCalled();
        expect(registry.registerChannelHeaderButtonAction).toHaveBeenCalled();
        expect(registry.registerNewMessagesSeparatorActionComponent).toHaveBeenCalled();
    });

    it('opens an AI Action\'s result in the panel without leaving the channel', async () => {
        const calls = serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/analyze': () => ({postid: 'r1', channelid: 'dm1'}),
            '/thread': () => ({order: ['r1'], posts: {r1: {id: 'r1', user_id: 'bot1', channel_id: 'dm1', message: 'The thread agrees on Friday.', type: POST_TYPE, create_at: 1, props: {}}}}),
            '/ai_threads': () => [],
        });
        const registry = {
            registerAdminConsoleCustomSetting: vi.fn(),
            registerRightHandSidebarComponent: vi.fn(() => ({toggleRHSPlugin: {type: 'toggle'}, showRHSPlugin: {type: 'show'}})),
            registerPostDropdownMenuAction: vi.fn(),
        };
        const dispatch = vi.fn();
        const assign = vi.fn();
        vi.stubGlobal('location', {...window.location, assign});
        new Plugin().initialize(registry as unknown as PluginRegistry, {getState: () => ({entities: {users: {currentUserId: 'u1'}}}), dispatch});
        const [text, summarize] = registry.registerPostDropdownMenuAction.mock.calls[0] as unknown as [string, (id: string) => Promise<void>];
        expect(text).toBe('Summarize thread');
        await summarize('p7');
        expect(calls.some((c) => c.url.endsWith('/post/p7/analyze'))).toBe(true);
        expect(dispatch).toHaveBeenCalledWith({type: 'show'});
        expect(assign).not.toHaveBeenCalled();
        const Panel = (registry.registerRightHandSidebarComponent.mock.calls[0] as unknown as [React.ComponentType])[0];
        render(<Panel/>);
        expect(await screen.findByText('The thread agrees on Friday.')).toBeTruthy();
    });

    it('works with an older registry that lacks the optional hooks', () => {
        serve({'/ai_bots': () => ({bots: [], license})});
        const registry: PluginRegistry = {registerAdminConsoleCustomSetting: vi.fn()};
        expect(() => new Plugin().initialize(registry)).not.toThrow();
    });
});
