import {act, render, screen} from '@testing-library/react';
import React from 'react';
import {describe, expect, it, vi} from 'vitest';

import {createStore, useStore} from './store';

describe('createStore', () => {
    it('keeps a value and tells subscribers of each change until they leave', () => {
        const store = createStore(1);
        const heard: number[] = [];
        const unsubscribe = store.subscribe(() => heard.push(store.get()));
        expect(store.get()).toBe(1);
        store.set(2);
        store.set(2);
        unsubscribe();
        store.set(3);
        expect(store.get()).toBe(3);
        expect(heard).toEqual([2, 2]);
    });

    it('tells every subscriber, in order, even one that leaves while it is told', () => {
        const store = createStore('a');
        const order: string[] = [];
        const second = vi.fn(() => order.push('second'));
        const leave = store.subscribe(() => {
            order.push('first');
            leave();
        });
        store.subscribe(second);
        store.set('b');
        store.set('c');
        expect(order).toEqual(['first', 'second', 'second']);
    });
});

describe('useStore', () => {
    it('renders the value, or the part picked, and re-renders when it changes', () => {
        const store = createStore({count: 1, name: 'a'});
        function Show() {
            const count = useStore(store, (v) => v.count);
            const all = useStore(store);
            return <span>{`${count} ${all.name}`}</span>;
        }
        render(<Show/>);
        expect(screen.getByText('1 a')).toBeTruthy();
        act(() => store.set({count: 2, name: 'b'}));
        expect(screen.getByText('2 b')).toBeTruthy();
    });
});
