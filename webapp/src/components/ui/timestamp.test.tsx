import {render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, describe, expect, it, vi} from 'vitest';

import Timestamp, {clock, relative} from './timestamp';

const NOW = new Date(2026, 11, 8, 15, 30).getTime();
const MIN = 60_000;

afterEach(() => {
    delete (window as unknown as {Components?: unknown}).Components;
});

describe('Timestamp', () => {
    it('gives list entries their age in the units Mattermost uses', () => {
        expect(relative(NOW - 10_000, NOW, 'en')).toBe('now');
        expect(relative(NOW - (5 * MIN), NOW, 'en')).toBe('5 min. ago');
        expect(relative(NOW - (3 * 60 * MIN), NOW, 'en')).toBe('3 hr. ago');
        expect(relative(new Date(2026, 11, 7, 23, 0).getTime(), NOW, 'en')).toBe('yesterday');
        expect(relative(new Date(2026, 10, 20, 9, 0).getTime(), NOW, 'en')).toBe('Nov 20');
        expect(relative(new Date(2025, 10, 20, 9, 0).getTime(), NOW, 'en')).toBe('Nov 20, 2025');
    });

    it('gives posts their time of day, and the date when not today', () => {
        expect(clock(new Date(2026, 11, 8, 9, 5).getTime(), NOW, 'en')).toBe('9:05 AM');
        expect(clock(new Date(2026, 11, 1, 9, 5).getTime(), NOW, 'en')).toBe('Dec 1, 9:05 AM');
    });

    it('is a <time> with the full date as its tooltip when the webapp has no component', () => {
        render(<Timestamp value={NOW} kind='clock'/>);
        const time = document.querySelector('time');
        expect(time?.getAttribute('dateTime')).toBe(new Date(NOW).toISOString());
        expect(time?.getAttribute('title')).toBe(new Date(NOW).toLocaleString());
    });

    it("uses Mattermost's own component when the webapp exposes it", () => {
        const Host = vi.fn((props: Record<string, unknown>) => <span>{`host ${String(props.value)}`}</span>);
        (window as unknown as {Components: unknown}).Components = {Timestamp: Host};
        render(<Timestamp value={NOW} kind='relative'/>);
        expect(screen.getByText(`host ${NOW}`)).toBeTruthy();
        expect(Host.mock.calls[0][0]).toMatchObject({units: ['now', 'minute', 'hour', 'day', 'week'], useTime: false, day: 'numeric'});
    });

    it('shows nothing without a time', () => {
        const {container} = render(<Timestamp value={0} kind='clock'/>);
        expect(container.innerHTML).toBe('');
    });
});
