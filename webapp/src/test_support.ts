import React from 'react';
import {vi} from 'vitest';

type Route = (url: string, init?: RequestInit) => unknown;

export interface Call {
    url: string;
    init?: RequestInit;
}

// A fake server: each route answers JSON, and every call is recorded.
export function serve(routes: Record<string, Route>): Call[] {
    const calls: Call[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
        calls.push({url, init});
        const key = Object.keys(routes).find((k) => url.includes(k));
        if (!key) {
            return new Response('{"error":"not found"}', {status: 404});
        }
        const body = routes[key](url, init);
        if (body instanceof Response) {
            return body;
        }
        return new Response(body === undefined ? '' : JSON.stringify(body), {status: 200});
    }));
    return calls;
}

export const license = {tier: 'enterprise', multipleAgents: true, fineGrainedAccess: true, embeddingSearch: true, mcp: true, usageTracking: true, aiActions: true, channelSummaries: true, meetingSummaries: true};
export const agent = {id: 'bot1', displayName: 'Assistant', username: 'ai', lastIconUpdate: 0, dmChannelID: '', serviceType: 'openai', enableVision: true, disableTools: false, enabledNativeTools: [], reasoningEnabled: true};

function escapeHtml(s: string): string {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// A stand-in for Mattermost's `window.PostUtils` that behaves as Mattermost's markdown renderer
// does where it matters here: with `unsafeLinks` a link that could reach another server (all
// but this site's permalinks) is printed as "text : url"; a javascript:, vbscript: or data:
// link is never an anchor; an image is an <img> whatever the options.
export function installPostUtils() {
    const formatText = vi.fn((text: string, options: Record<string, unknown> = {}) => {
        const site = typeof options.siteURL === 'string' ? options.siteURL : '';
        const html = escapeHtml(text).replace(/(!?)\[([^\]]*)\]\(([^)\s]+)\)/g, (_m, bang: string, label: string, href: string) => {
            if (bang) {
                return `<img src="${href}" alt="${label}" class="markdown-inline-img">`;
            }
            if (/^(javascript|vbscript|data):/i.test(href.replace(/[^\w:]/g, ''))) {
                return label;
            }
            const permalink = site !== '' && href.startsWith(site) && /^\/[0-9a-z_-]{1,64}\/pl\/[0-9a-z_-]{26}$/.test(href.slice(site.length));
            if (options.unsafeLinks && !permalink) {
                return label === href ? label : `${label} : ${href}`;
            }
            return `<a class="theme markdown__link" href="${href}" rel="noreferrer" target="_blank">${label}</a>`;
        });
        return `<p>${html}</p>`;
    });
    const messageHtmlToComponent = vi.fn((html: string) => React.createElement('div', {dangerouslySetInnerHTML: {__html: html}}));
    (window as unknown as {PostUtils?: unknown}).PostUtils = {formatText, messageHtmlToComponent};
    return {formatText, uninstall: () => delete (window as unknown as {PostUtils?: unknown}).PostUtils};
}
