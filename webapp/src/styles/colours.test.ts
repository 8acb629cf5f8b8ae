import {describe, expect, it} from 'vitest';

import {baseCss} from './base';
import {consoleCss} from './console';
import {panelCss} from './panel';

// Every colour must come from the theme (or the --mmai-* variables built on it), or the page
// breaks in the other theme. This scans the stylesheets for colours written out.
const LITERAL_COLOURS = [
    /#[0-9a-f]{3,8}\b/i,
    /rgba?\(\s*\d/i,
    /hsla?\(\s*\d/i,
    /(?<![\w-])(white|black|gr[ae]y|silver|red|green|blue|yellow|orange|purple|pink|navy|teal|maroon|olive|lime|aqua|fuchsia)(?![\w-])/i,
];

describe('stylesheets', () => {
    for (const [name, css] of Object.entries({baseCss, panelCss, consoleCss})) {
        it(`${name} writes no colour literally`, () => {
            const rules = css.replace(/\/\*[\s\S]*?\*\//g, '');
            for (const pattern of LITERAL_COLOURS) {
                expect(rules.match(pattern)?.[0], `${name} matches ${pattern}`).toBeUndefined();
            }
        });
    }

    it('the patterns catch what they are meant to', () => {
        const caught = (css: string) => LITERAL_COLOURS.some((p) => p.test(css));
        expect(caught('color: #fff;')).toBe(true);
        expect(caught('background: rgba(0, 0, 0, 0.5);')).toBe(true);
        expect(caught('border: 1px solid gray;')).toBe(true);
        expect(caught('background: white;')).toBe(true);
        expect(caught('white-space: nowrap; color: rgba(var(--center-channel-color-rgb), 0.75);')).toBe(false);
    });
});
