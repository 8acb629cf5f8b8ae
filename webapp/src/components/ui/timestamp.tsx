import React from 'react';

type HostTimestamp = React.ComponentType<Record<string, unknown>>;

// Mattermost's own timestamp component, which follows the user's clock and timezone settings;
// the webapp exposes it to plugins (not the mobile app's web views or tests).
function hostTimestamp(): HostTimestamp | undefined {
    return (window as unknown as {Components?: {Timestamp?: HostTimestamp}}).Components?.Timestamp;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// "now", "5 min. ago", "3 hr. ago", "Yesterday", then the date: the units Mattermost's thread
// lists use.
export function relative(value: number, now = Date.now(), locale?: string): string {
    const diff = now - value;
    const rtf = new Intl.RelativeTimeFormat(locale, {numeric: 'auto', style: 'short'});
    if (diff < MINUTE) {
        return rtf.format(0, 'second');
    }
    if (diff < HOUR) {
        return rtf.format(-Math.floor(diff / MINUTE), 'minute');
    }
    const then = new Date(value);
    const today = new Date(now);
    const days = Math.round((new Date(today.toDateString()).getTime() - new Date(then.toDateString()).getTime()) / DAY);
    if (days === 0) {
        return rtf.format(-Math.floor(diff / HOUR), 'hour');
    }
    if (days === 1) {
        return rtf.format(-1, 'day');
    }
    const sameYear = then.getFullYear() === today.getFullYear();
    return then.toLocaleDateString(locale, {month: 'short', day: 'numeric', year: sameYear ? undefined : 'numeric'});
}

// The time of day for a post today, else its date and time.
export function clock(value: number, now = Date.now(), locale?: string): string {
    const then = new Date(value);
    const time = then.toLocaleTimeString(locale, {hour: 'numeric', minute: '2-digit'});
    if (then.toDateString() === new Date(now).toDateString()) {
        return time;
    }
    return `${then.toLocaleDateString(locale, {month: 'short', day: 'numeric'})}, ${time}`;
}

// A post's time (`clock`) or a list entry's age (`relative`), through Mattermost's component
// when the webapp has it; the full date and time is the tooltip either way.
export default function Timestamp({value, kind}: {value?: number; kind: 'clock' | 'relative'}) {
    if (!value) {
        return null;
    }
    const Host = hostTimestamp();
    if (Host) {
        return kind === 'relative' ? (
            <Host
                value={value}
                units={['now', 'minute', 'hour', 'day', 'week']}
                useTime={false}
                day='numeric'
            />
        ) : <Host value={value}/>;
    }
    const date = new Date(value);
    return (
        <time
            dateTime={date.toISOString()}
            title={date.toLocaleString()}
        >
            {kind === 'relative' ? relative(value) : clock(value)}
        </time>
    );
}
