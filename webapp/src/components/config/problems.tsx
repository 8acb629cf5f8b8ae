import React from 'react';

import {t} from '../../i18n';
import type {ConfigProblem, UpstreamImport} from '../../types';

// What the server's configuration check found: a configuration it could not load, semantic
// search that cannot run, each invalid setting, and what activation did with the previous
// Agents plugin's data. Server strings are shown as plain text, never as HTML or Markdown.
export default function Problems({loadError, searchError, problems, upstreamImport}: {
    loadError: string;
    searchError: string;
    problems: ConfigProblem[];
    upstreamImport?: UpstreamImport | null;
}) {
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
            {upstreamImport && <UpstreamImportNotice report={upstreamImport}/>}
        </>
    );
}

// Imported: when, how much, what was left out and whether the search index needs rebuilding.
// Not imported (this plugin was already configured): that the data was found, and why not.
// Nothing happened (no upstream tables): nothing.
function UpstreamImportNotice({report}: {report: UpstreamImport}) {
    const skipped = (report.skipped ?? []).filter((s) => typeof s === 'string' && s !== '');
    const skippedList = skipped.length > 0 && <ul>{skipped.map((s, i) => <li key={`${i}:${s}`}>{s}</li>)}</ul>;
    if (typeof report.importedAt === 'number') {
        return (
            <div role='status'>
                <div>
                    {t('ai.config.upstreamImported', {
                        date: new Date(report.importedAt).toLocaleString(),
                        services: report.services ?? 0,
                        agents: report.agents ?? 0,
                    })}
                </div>
                {skippedList && <div>{t('ai.config.upstreamSkipped')}</div>}
                {skippedList}
                {report.reindexNeeded && (
                    <div>
                        {t('ai.config.upstreamReindex', {
                            button: t('ai.config.reindex'),
                            section: t('ai.config.embeddingSearch'),
                        })}
                    </div>
                )}
            </div>
        );
    }
    if ((report.tables ?? []).length > 0) {
        return (
            <div role='status'>
                <div>{t('ai.config.upstreamNotImported')}</div>
                {skippedList}
            </div>
        );
    }
    return null;
}
