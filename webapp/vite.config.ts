import {defineConfig} from 'vitest/config';

// Mattermost's webapp already ships React and ReactDOM on `window`; bundling
// our own copies would create a second React instance and break hooks.
const globals: Record<string, string> = {
    react: 'React',
    'react-dom': 'ReactDOM',
};

export default defineConfig({
    // Classic runtime: `react/jsx-runtime` is not exposed by Mattermost, while
    // `React.createElement` is reachable through the `React` global.
    oxc: {
        jsx: {runtime: 'classic'},
    },
    build: {
        outDir: 'dist',
        emptyOutDir: true,
        lib: {
            entry: 'src/index.ts',
            formats: ['iife'],
            name: 'MattermostAiPlugin',
            fileName: () => 'main.js',
        },
        rolldownOptions: {
            external: Object.keys(globals),
            output: {globals},
        },
    },
    test: {
        environment: 'jsdom',
        setupFiles: ['src/test_setup.ts'],
    },
});
