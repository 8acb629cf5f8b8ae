// Asks the Agents panel to show one conversation: AI Actions open their result there, as the
// panel may not be mounted yet when the action answers, the last request waits for it.
export interface PanelTarget {
    rootId: string;
    channelId: string;
}

type Listener = (target: PanelTarget) => void;

let pending: PanelTarget | null = null;
const listeners = new Set<Listener>();

export function openInPanel(target: PanelTarget): void {
    if (listeners.size === 0) {
        pending = target;
        return;
    }
    for (const l of listeners) {
        l(target);
    }
}

// Subscribes the mounted panel; a request made before it mounted is delivered at once.
export function onOpenInPanel(l: Listener): () => void {
    listeners.add(l);
    if (pending) {
        const target = pending;
        pending = null;
        l(target);
    }
    return () => {
        listeners.delete(l);
    };
}
