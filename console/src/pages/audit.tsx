// The audit log: who changed what, when, and why (newest first), filterable by actor and action.
import { useState } from 'preact/hooks';
import { get } from '../api.ts';
import { useLoad, Show } from '../components/data.tsx';
import { Downloads, Table } from '../components/table.tsx';
import { when } from '../format.ts';
import type { AuditItem } from '../types.ts';

const PAGE = 100;

export function Audit() {
  const [form, setForm] = useState({ actor: '', action: '' });
  const [applied, setApplied] = useState(form);
  const [offset, setOffset] = useState(0);
  const log = useLoad(() => get<{ entries: AuditItem[] }>('/api/v1/audit', { ...applied, limit: PAGE + 1, offset }), [JSON.stringify(applied), offset]);
  return (
    <>
      <h1>Audit log</h1>
      <form
        class="card no-print"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          setApplied(form);
        }}
      >
        <div class="form-grid">
          <div>
            <label for="a-actor">Actor (e.g. user:ada)</label>
            <input id="a-actor" value={form.actor} onInput={(e) => setForm({ ...form, actor: e.currentTarget.value })} />
          </div>
          <div>
            <label for="a-action">Action (e.g. ban.create)</label>
            <input id="a-action" value={form.action} onInput={(e) => setForm({ ...form, action: e.currentTarget.value })} />
          </div>
          <div>
            <button type="submit" class="primary">
              Filter
            </button>
          </div>
        </div>
      </form>
      <Show state={log}>
        {(l) => (
          <>
            <Table
              id="audit"
              caption="Append-only: the database refuses changes to it"
              rows={l.entries.slice(0, PAGE)}
              rowKey={(a) => String(a.seq)}
              empty="Nothing matches."
              columns={[
                { key: 'at', label: 'when', render: (a) => when(a.at) },
                { key: 'actor', label: 'who' },
                { key: 'action', label: 'did' },
                { key: 'target', label: 'to' },
                { key: 'why', label: 'why', render: (a) => (typeof a.detail.why === 'string' ? a.detail.why : typeof a.detail.note === 'string' ? a.detail.note : '—') },
                { key: 'detail', label: 'detail', render: (a) => <code>{JSON.stringify(a.detail)}</code> },
                { key: 'ip', label: 'from' },
              ]}
            />
            <nav class="pager" aria-label="Audit log pages">
              <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                Newer
              </button>
              <button type="button" disabled={l.entries.length <= PAGE} onClick={() => setOffset(offset + PAGE)}>
                Older
              </button>
            </nav>
            <Downloads path="/api/v1/audit" query={applied} what="this view" />
          </>
        )}
      </Show>
    </>
  );
}
