import React from 'react';

// Rendering of text an agent or a model wrote, and of links built from post props. That text
// may carry whatever the agent read (a post, an issue, a tool result), so it is untrusted.

interface PostUtils {
    formatText?: (text: string, options?: Record<string, unknown>) => string;
    messageHtmlToComponent?: (html: string, options?: Record<string, unknown>) => React.ReactNode;
}

function postUtils(): PostUtils | undefined {
    return (window as unknown as {PostUtils?: PostUtils}).PostUtils;
}

// The site URL as Mattermost's webapp derives it from the page (origin plus subpath).
function siteURL(): string {
    return `${window.location.origin}${window.basename ?? ''}`.replace(/\/+$/, '');
}

// Options for Mattermost's `formatText`. `unsafeLinks` makes its renderer print links that
// could reach another server as "text : url" instead of anchors (permalinks into this site
// stay links), so nothing is embedded or previewed.
export function formatOptions(allowUnsafeLinks: boolean): Record<string, unknown> {
    return {
        markdown: true,
        atMentions: true,
        mentionHighlight: true,
        siteURL: siteURL(),
        unsafeLinks: !allowUnsafeLinks,
    };
}

// `unsafeLinks` leaves markdown images alone: Mattermost still renders them as <img>, which
// would fetch the URL as soon as the post is shown (a zero-click leak of whatever the model
// put in the URL). Each image becomes its alt text and address as plain text. The HTML is
// parsed in an inert <template>, where nothing loads.
export function withoutImages(html: string): string {
    if (!html.includes('<img') || typeof document === 'undefined') {
        return html;
    }
    const template = document.createElement('template');
    template.innerHTML = html;
    for (const img of Array.from(template.content.querySelectorAll('img'))) {
        const alt = img.getAttribute('alt') ?? '';
        const src = img.getAttribute('src') ?? '';
        img.replaceWith(document.createTextNode(alt && src ? `${alt} : ${src}` : (alt || src)));
    }
    return template.innerHTML;
}

// Markdown through Mattermost's own formatter when the webapp exposes it, so answers look like
// every other post; plain text with line breaks otherwise. Unless the admin allowed unsafe
// links, no link is live beyond this site's permalinks and no remote image is loaded.
export function SafeMarkdown({text, allowUnsafeLinks}: {text: string; allowUnsafeLinks: boolean}) {
    const utils = postUtils();
    if (utils?.formatText && utils.messageHtmlToComponent) {
        let html = utils.formatText(text, formatOptions(allowUnsafeLinks));
        if (!allowUnsafeLinks) {
            html = withoutImages(html);
        }
        return <div className='post-message__text'>{utils.messageHtmlToComponent(html)}</div>;
    }
    return <div className='post-message__text mattermost-ai-plain-text'>{text}</div>;
}

// The URL normalised, if it is an absolute http: or https: URL; undefined for anything else
// (javascript:, data:, relative, malformed), which then renders as text.
export function httpUrl(raw: unknown): string | undefined {
    if (typeof raw !== 'string') {
        return undefined;
    }
    try {
        const url = new URL(raw);
        return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
    } catch {
        return undefined;
    }
}

// A link when the URL is http(s), its text otherwise.
export function ExternalLink({url, children}: {url: unknown; children: React.ReactNode}) {
    const href = httpUrl(url);
    if (!href) {
        return <span className='mattermost-ai-unlinked'>{children}</span>;
    }
    return (
        <a
            href={href}
            target='_blank'
            rel='noopener noreferrer'
        >
            {children}
        </a>
    );
}

const POST_ID = /^[a-z0-9]{26}$/;

// This site's permalink for a post id, if it is one (ids come from post props too).
export function permalink(postId: unknown): string | undefined {
    return typeof postId === 'string' && POST_ID.test(postId) ? `${window.basename ?? ''}/_redirect/pl/${postId}` : undefined;
}
