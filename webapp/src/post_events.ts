import type {Post} from './types';

// Mattermost's own `posted` and `post_edited` websocket events, so the Agents panel can show
// a conversation as it grows without reaching into the webapp's Redux store.
type Listener = (post: Post) => void;

const listeners = new Set<Listener>();

export function handlePostEvent(data: Record<string, unknown>): void {
    let post: Post | undefined;
    try {
        post = typeof data.post === 'string' ? JSON.parse(data.post) as Post : undefined;
    } catch {
        return;
    }
    if (!post?.id) {
        return;
    }
    for (const l of listeners) {
        l(post);
    }
}

export function subscribePosts(l: Listener): () => void {
    listeners.add(l);
    return () => {
        listeners.delete(l);
    };
}
