import {cleanup} from '@testing-library/react';
import {afterEach, vi} from 'vitest';

// Vitest globals are off, so Testing Library cannot register this itself.
afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
});
