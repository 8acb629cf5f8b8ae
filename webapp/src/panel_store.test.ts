import {describe, expect, it, vi} from 'vitest';

import {onOpenInPanel, openInPanel} from './panel_store';

describe('openInPanel', () => {
    it('keeps the last request until a panel mounts, and gives it to that panel once', () => {
        openInPanel({rootId: 'r1', channelId: 'c1'});
        openInPanel({rootId: 'r2', channelId: 'c1'});
        const first = vi.fn();
        const leave = onOpenInPanel(first);
        expect(first.mock.calls).toEqual([[{rootId: 'r2', channelId: 'c1'}]]);
        leave();
        const second = vi.fn();
        onOpenInPanel(second)();
        expect(second).not.toHaveBeenCalled();
    });

    it('hands requests to every mounted panel and keeps none of them', () => {
        const a = vi.fn();
        const b = vi.fn();
        const leaveA = onOpenInPanel(a);
        const leaveB = onOpenInPanel(b);
        openInPanel({rootId: 'r3', channelId: 'c2'});
        expect(a.mock.calls).toEqual([[{rootId: 'r3', channelId: 'c2'}]]);
        expect(b.mock.calls).toEqual([[{rootId: 'r3', channelId: 'c2'}]]);
        leaveA();
        leaveB();
        const later = vi.fn();
        onOpenInPanel(later)();
        expect(later).not.toHaveBeenCalled();
    });
});
