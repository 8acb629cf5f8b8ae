import {describe, expect, it} from 'vitest';

import {
    AnalysisKind, BOT_USERNAME_PARAM, IntervalPreset, JobState, POST_EDITED_EVENT, POST_TYPE, POST_UPDATE, POST_UPDATE_EVENT,
    POSTED_EVENT, PostProp, PostUpdateControl, PostUpdateField, Route, ToolCallStatus, ToolPolicy, ToolSourceURL,
} from './wire';

// The server spells these the same way (see the comment atop wire.ts): a change here alone
// breaks the plugin, so each value is pinned.
describe('wire constants', () => {
    it('name the post type, props and events as the server does', () => {
        expect(POST_TYPE).toBe('custom_llmbot');
        expect(PostProp).toEqual({
            requester: 'llm_requester_user_id',
            noRegen: 'no_regen',
            pendingToolCall: 'pending_tool_call',
            reasoning: 'reasoning_summary',
            annotations: 'annotations',
            searchResults: 'search_results',
            error: 'llm_error',
            toolCallRedacted: 'pending_tool_call_redacted',
            pendingToolResult: 'pending_tool_result',
        });
        expect(POST_UPDATE).toBe('postupdate');
        expect(POST_UPDATE_EVENT).toBe('custom_mattermost-ai_postupdate');
        expect(PostUpdateField).toEqual({postId: 'post_id', control: 'control', next: 'next', reasoning: 'reasoning', toolCall: 'tool_call', annotations: 'annotations'});
        expect(PostUpdateControl).toEqual({
            start: 'start', end: 'end', cancel: 'cancel', reasoning: 'reasoning_summary', reasoningDone: 'reasoning_summary_done',
            toolCall: 'tool_call', annotations: 'annotations',
        });
        expect([POSTED_EVENT, POST_EDITED_EVENT]).toEqual(['posted', 'post_edited']);
        expect(ToolCallStatus).toEqual({pending: 0, accepted: 1, rejected: 2, error: 3, success: 4, autoApproved: 5});
    });

    it('name the routes and request values as the server does', () => {
        expect([Route.version, Route.agents, Route.threads, Route.searchRun]).toEqual(['/version', '/ai_bots', '/ai_threads', '/search/run']);
        expect([Route.stop('p'), Route.regenerate('p'), Route.toolCall('p'), Route.analyze('p'), Route.react('p'), Route.interval('c')])
            .toEqual(['/post/p/stop', '/post/p/regenerate', '/post/p/tool_call', '/post/p/analyze', '/post/p/react', '/channel/c/interval']);
        expect([Route.toolCallPrivate('p'), Route.toolResultPrivate('p'), Route.toolResult('p')])
            .toEqual(['/post/p/tool_call_private', '/post/p/tool_result_private', '/post/p/tool_result']);
        expect([Route.configCheck, Route.fetchModels, Route.reindex, Route.reindexStatus, Route.reindexCancel])
            .toEqual(['/admin/config/check', '/admin/models/fetch', '/admin/reindex', '/admin/reindex/status', '/admin/reindex/cancel']);
        expect([Route.mcpTools, Route.mcpToolsCacheClear, Route.mcpServer]).toEqual(['/admin/mcp/tools', '/admin/mcp/tools/cache/clear', '/mcp-server/mcp']);
        expect(ToolPolicy).toEqual({ask: 'ask', autoRunInDM: 'auto_run_in_dm', autoRunEverywhere: 'auto_run_everywhere'});
        expect(ToolSourceURL).toEqual({embedded: 'embedded://mattermost', builtin: 'builtin://'});
        expect(BOT_USERNAME_PARAM).toBe('botUsername');
        expect(AnalysisKind).toEqual({summarizeThread: 'summarize_thread', actionItems: 'action_items', openQuestions: 'open_questions'});
        expect(IntervalPreset).toEqual({summarizeUnreads: 'summarize_unreads', actionItems: 'action_items', openQuestions: 'open_questions'});
        expect(JobState).toEqual({running: 'running', completed: 'completed', failed: 'failed', canceled: 'canceled'});
    });

    it('are spelled in wire.ts alone', () => {
        const sources = import.meta.glob(['./**/*.ts', './**/*.tsx', '!./**/*.test.*', '!./test_*.ts', '!./wire.ts'], {query: '?raw', import: 'default', eager: true}) as Record<string, string>;
        const values = [
            POST_TYPE, ...Object.values(PostProp), POST_UPDATE, POST_UPDATE_EVENT, PostUpdateField.postId, PostUpdateField.toolCall,
            PostUpdateControl.reasoning, PostUpdateControl.reasoningDone, POSTED_EVENT, POST_EDITED_EVENT,
            Route.version, Route.agents, Route.threads, Route.searchRun, Route.configCheck, Route.fetchModels, Route.reindex,
            Route.reindexStatus, Route.reindexCancel, Route.mcpTools, Route.mcpToolsCacheClear, Route.mcpServer, '/post/', '/channel/', BOT_USERNAME_PARAM,
            ...Object.values(ToolPolicy), ...Object.values(ToolSourceURL),
            ...Object.values(AnalysisKind), ...Object.values(IntervalPreset),
        ];
        const found: string[] = [];
        for (const [path, source] of Object.entries(sources)) {
            // Comments may name them.
            const text = source.replace(/(^|\s)\/\/.*$/gm, '$1');
            for (const v of values) {
                // As a string literal, or the start of a template literal.
                if (text.includes(`'${v}'`) || text.includes(`"${v}"`) || text.includes(`\`${v}`)) {
                    found.push(`${path}: ${v}`);
                }
            }
        }
        expect(found).toEqual([]);
    });
});
