import {useSyncExternalStore} from 'react';

// A value that components and plain code share: read it, replace it, hear of each change.
// Listeners run synchronously on every `set`, in the order they subscribed.
export interface Store<T> {
    get(): T;
    set(next: T): void;
    subscribe(listener: () => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
    let value = initial;
    const listeners = new Set<() => void>();
    return {
        get: () => value,
        set(next: T) {
            value = next;
            for (const l of Array.from(listeners)) {
                l();
            }
        },
        subscribe(listener: () => void) {
            listeners.add(listener);
            return () => {
                listeners.delete(listener);
            };
        },
    };
}

// The store's value in a component (or the part `select` picks, which must return the same
// object while the value is unchanged), re-rendering when it changes.
export function useStore<T>(store: Store<T>): T;
export function useStore<T, S>(store: Store<T>, select: (value: T) => S): S;
export function useStore<T, S>(store: Store<T>, select?: (value: T) => S): T | S {
    return useSyncExternalStore(store.subscribe, () => (select ? select(store.get()) : store.get()));
}
