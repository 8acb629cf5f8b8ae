import {render, screen} from '@testing-library/react';
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
});
