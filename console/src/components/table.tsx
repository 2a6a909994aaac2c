// An accessible data table (caption, column headers) with optional paging and downloads.
import type { ComponentChildren } from 'preact';
import { qs, type Query } from '../api.ts';
import { n } from '../format.ts';

export interface Column<R> {
  key: string;
  label: string;
  render?: (row: R) => ComponentChildren;
  class?: string;
}

export function Table<R>({ caption, columns, rows, empty, rowKey, id }: { caption: string; columns: Column<R>[]; rows: R[]; empty?: string; rowKey: (r: R) => string; id?: string }) {
  return (
    <div class="table-wrap">
      <table id={id}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" class={c.class} key={c.key}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} class="muted">
                {empty ?? 'Nothing to show.'}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={rowKey(r)}>
                {columns.map((c) => (
                  <td class={c.class} key={c.key}>
                    {c.render ? c.render(r) : String((r as Record<string, unknown>)[c.key] ?? '—')}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function Pager({ total, limit, offset, onPage, label }: { total: number; limit: number; offset: number; onPage: (offset: number) => void; label: string }) {
  const last = Math.min(offset + limit, total);
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <span aria-live="polite">
        {total === 0 ? 'none' : `${n(offset + 1)}–${n(last)} of ${n(total)}`}
      </span>
      <button type="button" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>
        Previous
      </button>
      <button type="button" disabled={last >= total} onClick={() => onPage(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

/** CSV and JSON downloads of every row the view's filter matches (the API's ?format=). */
export function Downloads({ path, query, what }: { path: string; query?: Query; what: string }) {
  return (
    <p class="downloads">
      Download {what}:{' '}
      <a href={`${path}${qs({ ...query, limit: undefined, offset: undefined, format: 'csv' })}`} download data-format="csv">
        CSV
      </a>{' '}
      <a href={`${path}${qs({ ...query, limit: undefined, offset: undefined, format: 'json' })}`} download data-format="json">
        JSON
      </a>
    </p>
  );
}
