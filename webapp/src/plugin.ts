import React from 'react';

import {loadAgents} from './agents_store';
import {analyzeThread, reactForMe, setSiteURLSource} from './client';
import AgentsPanel from './components/agents_panel';
import AskAI from './components/ask_ai';
import ConfigEditor from './components/config';
import LLMBotPost from './components/llmbot_post';
import {messagesFor, setLocale, t} from './i18n';
import {openInPanel} from './panel_store';
import {handlePostEvent} from './post_events';
import {handlePostProgress, handlePostUpdate} from './stream_store';
import {injectStyles} from './styles';
import type {Post, PluginRegistry, Store} from './types';
import {AnalysisKind, POST_EDITED_EVENT, POST_PROGRESS_EVENT, POST_TYPE, POST_UPDATE_EVENT, POSTED_EVENT} from './wire';

export {POST_TYPE, POST_UPDATE_EVENT};

function currentUserId(store?: Store): string | undefined {
    return store?.getState().entities?.users?.currentUserId;
}

function currentUser(store?: Store) {
    const id = currentUserId(store);
    return id ? store?.getState().entities?.users?.profiles?.[id] : undefined;
}

// The user's language, which Mattermost keeps on their profile.
function currentLocale(store?: Store): string | undefined {
    return (currentUser(store) as {locale?: string} | undefined)?.locale;
}

function isAdmin(store?: Store): boolean {
    return (currentUser(store)?.roles ?? '').split(' ').includes('system_admin');
}

// Goes to a channel the way a link click would, staying inside the single-page app.
function openChannel(channelId: string) {
    const hist = (window as unknown as {WebappUtils?: {browserHistory?: {push(p: string): void}}}).WebappUtils?.browserHistory;
    const path = `${window.basename ?? ''}/_redirect/pc/${channelId}`;
    if (hist) {
        hist.push(path);
    } else {
        window.location.assign(path);
    }
}

export default class Plugin {
    // Whether the server's license and the agents allow AI Actions, refreshed on start.
    private actionsAllowed = true;

    private removeStyles?: () => void;

    private stopFollowingLocale?: () => void;

    public initialize(registry: PluginRegistry, store?: Store): void {
        this.removeStyles = injectStyles();
        setSiteURLSource(() => store?.getState().entities?.general?.config?.SiteURL);
        // Full width, as upstream registers it: the page is the plugin's own settings page.
        registry.registerAdminConsoleCustomSetting('Config', ConfigEditor);
        registry.registerTranslations?.(messagesFor);
        // The user's language from the start, and again whenever their profile's locale changes
        // (checked on every store update, so only a string comparison when it has not).
        let locale = currentLocale(store);
        setLocale(locale);
        const followed = store as (Store & {subscribe?: (listener: () => void) => () => void}) | undefined;
        this.stopFollowingLocale = followed?.subscribe?.(() => {
            const next = currentLocale(store);
            if (next !== locale) {
                locale = next;
                setLocale(next);
            }
        });

        const Panel = () => React.createElement(AgentsPanel, {
            currentUserId: currentUserId(store),
            currentUsername: currentUser(store)?.username,
            currentUserPictureUpdate: currentUser(store)?.last_picture_update,
            isAdmin: isAdmin(store),
        });
        const rhs = registry.registerRightHandSidebarComponent?.(Panel, t('ai.rhs.title'));
        const showRHS = () => {
            if (rhs && store) {
                store.dispatch(rhs.showRHSPlugin);
            }
        };
        if (rhs) {
            registry.registerChannelHeaderButtonAction?.(
                React.createElement('i', {className: 'icon icon-creation-outline', 'aria-hidden': true}),
                () => store?.dispatch(rhs.toggleRHSPlugin),
                t('ai.rhs.title'),
                t('ai.rhs.title'),
            );
        }

        const Post = (props: {post: Post}) => React.createElement(LLMBotPost, {...props, currentUserId: currentUserId(store)});
        registry.registerPostTypeComponent?.(POST_TYPE, Post);

        // An action's result streams into the agent's DM; the panel shows it without taking
        // the user away from the channel they are reading.
        const showResult = (r: {postid: string; channelid: string}) => {
            if (!rhs || !store) {
                openChannel(r.channelid);
                return;
            }
            // Shown first: a panel that mounts now takes the request when it subscribes.
            showRHS();
            openInPanel({rootId: r.postid, channelId: r.channelid});
        };
        const analyze = (kind: string) => async (postId: string) => {
            const r = await analyzeThread(postId, kind).catch(() => undefined);
            if (r) {
                showResult(r);
            }
        };
        const allowed = () => this.actionsAllowed;
        registry.registerPostDropdownMenuAction?.(t('ai.actions.summarize'), analyze(AnalysisKind.summarizeThread), allowed);
        registry.registerPostDropdownMenuAction?.(t('ai.actions.actionItems'), analyze(AnalysisKind.actionItems), allowed);
        registry.registerPostDropdownMenuAction?.(t('ai.actions.openQuestions'), analyze(AnalysisKind.openQuestions), allowed);
        registry.registerPostDropdownMenuAction?.(t('ai.actions.react'), (postId) => {
            reactForMe(postId).catch(() => undefined);
        }, allowed);

        const Separator = (props: {channelId?: string; lastViewedAt?: number}) =>
            (this.actionsAllowed ? React.createElement(AskAI, {...props, onStarted: showResult}) : null);
        registry.registerNewMessagesSeparatorActionComponent?.(Separator);

        registry.registerWebSocketEventHandler?.(POST_UPDATE_EVENT, (msg) => handlePostUpdate(msg.data));
        registry.registerWebSocketEventHandler?.(POST_PROGRESS_EVENT, (msg) => handlePostProgress(msg.data));
        // The server's own post events keep a conversation open in the panel up to date.
        registry.registerWebSocketEventHandler?.(POSTED_EVENT, (msg) => handlePostEvent(msg.data));
        registry.registerWebSocketEventHandler?.(POST_EDITED_EVENT, (msg) => handlePostEvent(msg.data));

        // Hide AI Actions when the license or the agents' rules leave the user none.
        loadAgents().then((r) => {
            this.actionsAllowed = r.bots.length > 0 && (r.license?.aiActions ?? true);
        }, () => undefined);
    }

    // Mattermost calls this when the plugin is disabled or upgraded in place.
    public uninitialize(): void {
        this.removeStyles?.();
        this.removeStyles = undefined;
        this.stopFollowingLocale?.();
        this.stopFollowingLocale = undefined;
    }
}
