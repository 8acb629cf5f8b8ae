import {render, screen, within} from '@testing-library/react';
import React from 'react';
import {describe, expect, it} from 'vitest';

import Problems from './problems';

describe('Problems', () => {
    it('shows what the configuration check found, each as an alert', () => {
        render(
            <Problems
                loadError='The configuration could not be read.'
                searchError='database down'
                problems={[{path: 'bots[0].name', message: 'a username is required'}]}
            />,
        );
        const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
        expect(alerts).toEqual([
            'The configuration could not be read.',
            'Semantic search is configured but cannot run: database down',
            'Configuration problemsbots[0].name: a username is required',
        ]);
    });

    it('shows nothing when all is well', () => {
        const {container} = render(<Problems loadError='' searchError='' problems={[]}/>);
        expect(container.innerHTML).toBe('');
    });

    it('reports an import from the previous plugin, what was skipped, and the reindex to run', () => {
        const importedAt = Date.UTC(2025, 0, 2, 3, 4, 5);
        render(
            <Problems
                loadError=''
                searchError=''
                problems={[]}
                upstreamImport={{
                    importedAt,
                    services: 2,
                    agents: 3,
                    skipped: ['agent "helper": <b>MCP allowlist</b> not enforced', 'agent "x": creator kept as **extra**'],
                    reindexNeeded: true,
                    tables: ['Agents_ConfigHistory', 'Agents_UserAgents'],
                }}
            />,
        );
        expect(screen.queryByRole('alert')).toBeNull();
        const notice = screen.getByRole('status');
        expect(notice.textContent).toContain(
            `Imported from the previous Agents plugin on ${new Date(importedAt).toLocaleString()}: 2 services, 3 agents.`,
        );
        const items = within(notice).getAllByRole('listitem').map((li) => li.textContent);
        expect(notice.textContent).toContain('Not imported:');
        expect(items).toEqual(['agent "helper": <b>MCP allowlist</b> not enforced', 'agent "x": creator kept as **extra**']);

        // Server text is plain text: no markup is rendered from it.
        expect(notice.querySelector('b')).toBeNull();
        expect(notice.textContent).toContain('The search index needs rebuilding: use "Reindex all messages" in the Embedding search section.');
    });

    it('says the previous plugin\'s data was found but not imported, and why', () => {
        render(
            <Problems
                loadError=''
                searchError=''
                problems={[]}
                upstreamImport={{
                    importedAt: null,
                    services: 0,
                    agents: 0,
                    skipped: ['this plugin already has 1 service and 2 agents'],
                    reindexNeeded: false,
                    tables: ['Agents_ConfigHistory'],
                }}
            />,
        );
        const notice = screen.getByRole('status');
        expect(notice.textContent).toContain('Data from the previous Agents plugin was found but not imported, because this plugin already had a configuration.');
        expect(within(notice).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['this plugin already has 1 service and 2 agents']);
        expect(notice.textContent).not.toContain('Imported from');
        expect(notice.textContent).not.toContain('Not imported:');
        expect(notice.textContent).not.toContain('search index');
    });

    it('shows nothing about an import when there was none', () => {
        for (const upstreamImport of [undefined, null, {importedAt: null, services: 0, agents: 0, skipped: [], reindexNeeded: false, tables: []}]) {
            const {container, unmount} = render(<Problems loadError='' searchError='' problems={[]} upstreamImport={upstreamImport}/>);
            expect(container.innerHTML).toBe('');
            unmount();
        }
    });
});
