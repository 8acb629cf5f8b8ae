import React, {useCallback, useEffect, useId, useMemo, useState} from 'react';

import {getUsage, usageExportUrl} from '../../client';
import {t} from '../../i18n';
import type {UsageCounts, UsageNamed, UsageReport} from '../../types';
import Disclosure from '../ui/disclosure';
import Notice from '../ui/notice';

import Section from './section';

// The ranges offered, in days ending today (UTC, as the server counts).
export const RANGES = [7, 30, 90] as const;

const total = (c: UsageCounts) => c.inputTokens + c.outputTokens;
const number = (n: number) => new Intl.NumberFormat().format(n);

// The UTC days `days` long ending today, as the API takes them.
export function rangeOf(days: number, now = new Date()): {from: string; to: string} {
    const to = now.toISOString().slice(0, 10);
    const start = new Date(now.getTime() - ((days - 1) * 86_400_000));
    return {from: start.toISOString().slice(0, 10), to};
}

// Tokens per day as stacked bars (input below, output above), with the same figures as a table
// for screen readers and for reading exact values.
export function DayChart({days}: {days: UsageReport['days']}) {
    const captionId = useId();
    const max = Math.max(1, ...days.map(total));
    const width = 10;
    const height = 120;
    const scale = (n: number) => (n / max) * height;
    const sum = days.reduce((s, d) => s + total(d), 0);
    return (
        <figure className='mattermost-ai-chart'>
            <figcaption
                id={captionId}
                className='mattermost-ai-chart__caption'
            >
                {t('ai.usage.perDay', {total: number(sum), days: days.length})}
            </figcaption>
            <svg
                role='img'
                aria-labelledby={captionId}
                viewBox={`0 0 ${days.length * width} ${height}`}
                preserveAspectRatio='none'
                className='mattermost-ai-chart__plot'
            >
                {days.map((d, i) => {
                    const input = scale(d.inputTokens);
                    const output = scale(d.outputTokens);
                    return (
                        <g
                            key={d.day}
                            data-day={d.day}
                        >
                            <title>{t('ai.usage.dayBar', {day: d.day, input: number(d.inputTokens), output: number(d.outputTokens)})}</title>
                            <rect
                                className='mattermost-ai-chart__input'
                                x={(i * width) + 1}
                                width={width - 2}
                                y={height - input}
                                height={input}
                            />
                            <rect
                                className='mattermost-ai-chart__output'
                                x={(i * width) + 1}
                                width={width - 2}
                                y={height - input - output}
                                height={output}
                            />
                        </g>
                    );
                })}
            </svg>
            <div
                className='mattermost-ai-chart__legend'
                aria-hidden='true'
            >
                <span className='mattermost-ai-chart__key mattermost-ai-chart__key--input'>{t('ai.usage.input')}</span>
                <span className='mattermost-ai-chart__key mattermost-ai-chart__key--output'>{t('ai.usage.output')}</span>
            </div>
            <Disclosure summary={t('ai.usage.showTable')}>
                <table className='mattermost-ai-table'>
                    <thead>
                        <tr>
                            <th scope='col'>{t('ai.usage.day')}</th>
                            <th scope='col'>{t('ai.usage.input')}</th>
                            <th scope='col'>{t('ai.usage.output')}</th>
                            <th scope='col'>{t('ai.usage.requests')}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {days.filter((d) => d.requests > 0).map((d) => (
                            <tr key={d.day}>
                                <th scope='row'>{d.day}</th>
                                <td>{number(d.inputTokens)}</td>
                                <td>{number(d.outputTokens)}</td>
                                <td>{number(d.requests)}</td>
                            </tr>
                        ))}
                    </tbody>
                </table>
            </Disclosure>
        </figure>
    );
}

// Named sums as horizontal bars, largest first.
export function Bars({title, items}: {title: string; items: UsageNamed[]}) {
    const headingId = useId();
    const max = Math.max(1, ...items.map(total));
    return (
        <div className='mattermost-ai-bars'>
            <h4
                id={headingId}
                className='mattermost-ai-bars__title'
            >
                {title}
            </h4>
            {items.length === 0 ? <p className='mattermost-ai-help'>{t('ai.usage.none')}</p> : (
                <ul aria-labelledby={headingId}>
                    {items.map((x) => (
                        <li key={x.id}>
                            <span className='mattermost-ai-bars__name'>{x.name || x.id}</span>
                            <span
                                className='mattermost-ai-bars__track'
                                aria-hidden='true'
                            >
                                <span
                                    className='mattermost-ai-bars__fill'
                                    style={{width: `${Math.max(1, Math.round((total(x) / max) * 100))}%`}}
                                />
                            </span>
                            <span className='mattermost-ai-bars__figure'>{t('ai.usage.tokens', {count: number(total(x))})}</span>
                        </li>
                    ))}
                </ul>
            )}
        </div>
    );
}

// The usage page: totals, tokens per day, per agent and model, the top users and teams, and a
// CSV of every row. Admin-only, like the API behind it; locked without usage tracking, and
// nothing is asked while the license is not known yet (`pending`).
export default function UsagePanel({locked, pending}: {locked: boolean; pending?: boolean}) {
    const [days, setDays] = useState<number>(30);
    const [report, setReport] = useState<UsageReport | null>(null);
    const [error, setError] = useState('');
    const [loading, setLoading] = useState(false);
    const range = useMemo(() => rangeOf(days), [days]);
    const load = useCallback(() => {
        setLoading(true);
        getUsage(range.from, range.to).then((r) => {
            setReport(r);
            setError('');
        }, (e: Error) => setError(e.message)).finally(() => setLoading(false));
    }, [range]);
    useEffect(() => {
        if (!locked && !pending) {
            load();
        }
    }, [locked, pending, load]);
    const rangeId = useId();
    return (
        <Section
            title={t('ai.usage.title')}
            description={t('ai.usage.help')}
            unlicensed={locked}
            disabled={locked}
            actions={(
                <>
                    <label
                        className='mattermost-ai-sr-only'
                        htmlFor={rangeId}
                    >
                        {t('ai.usage.range')}
                    </label>
                    <select
                        id={rangeId}
                        className='form-control mattermost-ai-usage__range'
                        value={days}
                        onChange={(e) => setDays(Number(e.target.value))}
                    >
                        {RANGES.map((d) => <option key={d} value={d}>{t('ai.usage.lastDays', {days: d})}</option>)}
                    </select>
                    <button
                        type='button'
                        className='btn btn-tertiary'
                        onClick={load}
                        disabled={loading}
                    >
                        {t('ai.usage.refresh')}
                    </button>
                    <a
                        className='btn btn-tertiary'
                        href={usageExportUrl(range.from, range.to)}
                        download={`ai-usage-${range.from}-${range.to}.csv`}
                    >
                        {t('ai.usage.exportCsv')}
                    </a>
                </>
            )}
        >
            {error && <Notice kind='error'>{t('ai.usage.failed', {error})}</Notice>}
            {report && !report.recording && <Notice>{t('ai.usage.notRecording')}</Notice>}
            {!report && !error && <p className='mattermost-ai-help'>{t('ai.usage.loading')}</p>}
            {report && (
                <>
                    <dl className='mattermost-ai-usage__totals'>
                        <div><dt>{t('ai.usage.input')}</dt><dd>{number(report.totals.inputTokens)}</dd></div>
                        <div><dt>{t('ai.usage.output')}</dt><dd>{number(report.totals.outputTokens)}</dd></div>
                        <div><dt>{t('ai.usage.requests')}</dt><dd>{number(report.totals.requests)}</dd></div>
                    </dl>
                    <DayChart days={report.days}/>
                    <div className='mattermost-ai-usage__grid'>
                        <Bars title={t('ai.usage.perAgent')} items={report.agents}/>
                        <Bars title={t('ai.usage.perModel')} items={report.models}/>
                        <Bars title={t('ai.usage.topUsers')} items={report.topUsers}/>
                        <Bars title={t('ai.usage.topTeams')} items={report.topTeams}/>
                    </div>
                </>
            )}
        </Section>
    );
}
