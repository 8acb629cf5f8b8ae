import React from 'react';

import {t} from '../../i18n';
import type {ConfigProblem, UpstreamImport} from '../../types';
import Notice from '../ui/notice';

// What the server's configuration check found: a configuration it could not load, semantic
// search that cannot run, each invalid setting, and what activation did with the previous
// Agents plugin's data. Server strings are shown as plain text, never as HTML or Markdown.
// Each finding is a notice at the top of the page; the invalid settings are also marked beside
// their fields.
export default function Problems({loadError, searchError, problems, upstreamImport}: {
    loadError: string;
    searchError: string;
    problems: ConfigProblem[];
    upstreamImport?: UpstreamImport | null;
}) {
    return (
        <>
            {loadError && <Notice kind='error'>{loadError}</Notice>}
            {searchError && <Notice kind='error'>{t('ai.config.searchError', {error: searchError})}</Notice>}
            {problems.length > 0 && (
                <Notice kind='error'>
                    <strong>{t('ai.config.problems')}</strong>
                    <ul>
                        {problems.map((p) => (
                            <li key={p.path + p.message}>
                                <code>{p.path}</code>
                                {`: ${p.message}`}
                            </li>
                        ))}
                    </ul>
                </Notice>
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
            <Notice kind='info'>
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
            </Notice>
        );
    }
    if ((report.tables ?? []).length > 0) {
        return (
            <Notice kind='info'>
                <div>{t('ai.config.upstreamNotImported')}</div>
                {skippedList}
            </Notice>
        );
    }
    return null;
}
