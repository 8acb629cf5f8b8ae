import React from 'react';

import {t} from '../../i18n';
import type {ConfigProblem} from '../../types';

// What the server's configuration check found: a configuration it could not load, semantic
// search that cannot run, and each invalid setting.
export default function Problems({loadError, searchError, problems}: {loadError: string; searchError: string; problems: ConfigProblem[]}) {
    return (
        <>
            {loadError && <div role='alert'>{loadError}</div>}
            {searchError && <div role='alert'>{t('ai.config.searchError', {error: searchError})}</div>}
            {problems.length > 0 && (
                <div role='alert'>
                    <strong>{t('ai.config.problems')}</strong>
                    <ul>{problems.map((p) => <li key={p.path + p.message}>{`${p.path}: ${p.message}`}</li>)}</ul>
                </div>
            )}
        </>
    );
}
