import {createStore} from './store';

// Asks the Agents panel to show one conversation: AI Actions open their result there, as the
// panel may not be mounted yet when the action answers, the last request waits for it.
export interface PanelTarget {
    rootId: string;
    channelId: string;
}

type Listener = (target: PanelTarget) => void;

// The request no mounted panel has taken yet.
const pending = createStore<PanelTarget | null>(null);
// Set when a mounted panel takes the request being made.
let taken = false;

export function openInPanel(target: PanelTarget): void {
    taken = false;
    pending.set(target);
    if (taken) {
        pending.set(null);
    }
}

// Subscribes the mounted panel; a request made before it mounted is delivered at once.
export function onOpenInPanel(l: Listener): () => void {
    const unsubscribe = pending.subscribe(() => {
        const target = pending.get();
        if (target) {
            taken = true;
            l(target);
        }
    });
    const waiting = pending.get();
    if (waiting) {
        pending.set(null);
        l(waiting);
    }
    return unsubscribe;
}
