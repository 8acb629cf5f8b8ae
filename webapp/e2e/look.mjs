// Checks of how the plugin looks in the page, run in a real browser by chat.mjs: axe-core
// (someone else's accessibility checker) for WCAG 2.1 A/AA (text contrast, names of controls,
// ARIA), and computed styles for controls the browser painted with its own defaults (which is
// what a component without styles, or styled outside the theme, looks like in a dark theme).

// Loads axe-core into the page once.
export async function loadAxe(page) {
    if (!await page.evaluate(() => Boolean(window.axe))) {
        await page.addScriptTag({url: '/static/axe.js'});
    }
}

// WCAG 2.1 A and AA violations inside `selector`, as short lines.
export async function axeViolations(page, selector) {
    await loadAxe(page);
    const result = await page.evaluate(async (sel) => {
        const r = await window.axe.run({include: [[sel]]}, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
        });
        return r.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')} (${(n.any[0] || n.all[0] || n.none[0] || {}).message || v.help})`).join('; ')}`);
    }, selector);
    return result;
}

// Controls inside `selector` that show the browser's defaults instead of the theme: a button
// face or border from the user-agent stylesheet, black text, a white field in a dark theme, a
// font other than the page's. Returns one line per offending control.
export async function defaultPainted(page, selector) {
    return page.evaluate((sel) => {
        const parse = (c) => {
            const m = /rgba?\(([^)]+)\)/.exec(c);
            if (!m) {
                return null;
            }
            const [r, g, b, a = 1] = m[1].split(/[,\s/]+/).filter(Boolean).map(Number);
            return {r, g, b, a};
        };
        const dark = document.documentElement.dataset.theme === 'onyx';
        const bodyFont = getComputedStyle(document.body).fontFamily;
        const out = [];
        for (const root of document.querySelectorAll(sel)) {
            for (const el of root.querySelectorAll('button, input, select, textarea, summary, a')) {
                if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') {
                    continue;
                }
                const s = getComputedStyle(el);
                const name = `${el.tagName.toLowerCase()}${el.getAttribute('aria-label') ? `[${el.getAttribute('aria-label')}]` : ''}${el.textContent ? ` "${el.textContent.trim().slice(0, 30)}"` : ''}`;
                const bg = parse(s.backgroundColor);
                const fg = parse(s.color);
                // Chromium's ButtonFace (rgb 239/240) and its outset border.
                if (bg && bg.a > 0 && [239, 240].includes(bg.r) && bg.r === bg.g && bg.g === bg.b) {
                    out.push(`${name}: browser button face ${s.backgroundColor}`);
                }
                if (['outset', 'inset'].includes(s.borderTopStyle)) {
                    out.push(`${name}: browser ${s.borderTopStyle} border`);
                }
                const box = el.type === 'checkbox' || el.type === 'radio';
                if (!box && fg && fg.r === 0 && fg.g === 0 && fg.b === 0 && fg.a > 0) {
                    out.push(`${name}: browser default text colour`);
                }
                if (dark && bg && bg.a > 0.5 && bg.r > 200 && bg.g > 200 && bg.b > 200) {
                    out.push(`${name}: light background ${s.backgroundColor} in a dark theme`);
                }
                if (el.tagName !== 'A' && s.fontFamily !== bodyFont) {
                    out.push(`${name}: font ${s.fontFamily} instead of the page's ${bodyFont}`);
                }
            }
        }
        return out;
    }, selector);
}

// Whether the focused element shows a focus indicator (an outline or a box shadow).
export async function focusVisible(page) {
    return page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) {
            return false;
        }
        const ring = (e) => {
            const s = getComputedStyle(e);
            return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
        };
        // The message box shows focus on its frame (as Mattermost's does), not on the text area.
        const frame = el.closest('.mattermost-ai-composer');
        return frame ? frame.matches(':focus-within') && /\b2px\b/.test(getComputedStyle(frame).boxShadow) : ring(el);
    });
}

// The accessible name of the focused element, roughly as a screen reader would get it.
export async function focusedName(page) {
    return page.evaluate(() => {
        const el = document.activeElement;
        if (!el) {
            return '';
        }
        const labelled = el.getAttribute('aria-labelledby');
        if (labelled) {
            return labelled.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
        }
        const label = el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent) ||
            el.closest('label')?.textContent || el.textContent;
        return (label || '').trim();
    });
}
