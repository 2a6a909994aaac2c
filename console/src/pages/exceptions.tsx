// Exceptions queue: employees' requests (sent by their agents from the tray) with their
// justification; approve with an expiry or deny with a reason; the approved ones expiring soon.
import { useState } from 'preact/hooks';
import { api, canEdit, get } from '../api.ts';
import { useLoad, Show, ErrorNote } from '../components/data.tsx';
import { Downloads, Table } from '../components/table.tsx';
import { ago, when } from '../format.ts';
import type { ExceptionItem } from '../types.ts';

const SOON_DAYS = 14;
const dayInput = (d: Date): string => d.toISOString().slice(0, 10);

function Decide({ x, onDone }: { x: ExceptionItem; onDone: () => void }) {
  const [mode, setMode] = useState<'approve' | 'deny' | null>(null);
  const [expires, setExpires] = useState(dayInput(new Date(Date.now() + (x.requested_days ?? 30) * 86400_000)));
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      if (mode === 'approve') await api('POST', `/api/v1/exceptions/${encodeURIComponent(x.id)}/approve`, { expires_at: `${expires}T23:59:59Z`, note });
      else await api('POST', `/api/v1/exceptions/${encodeURIComponent(x.id)}/deny`, { note });
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  if (mode === null) {
    return (
      <div class="row">
        <button type="button" class="primary" onClick={() => setMode('approve')} aria-label={`Approve ${x.tool} on ${x.hostname ?? x.device_id}`}>
          Approve…
        </button>
        <button type="button" class="danger" onClick={() => setMode('deny')} aria-label={`Deny ${x.tool} on ${x.hostname ?? x.device_id}`}>
          Deny…
        </button>
      </div>
    );
  }
  const id = `decide-${x.id}`;
  return (
    <form onSubmit={submit} class="row">
      {mode === 'approve' && (
        <>
          <label for={`${id}-exp`}>Expires (end of day, UTC)</label>
          <input id={`${id}-exp`} type="date" required min={dayInput(new Date(Date.now() + 86400_000))} value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        </>
      )}
      <label for={`${id}-note`}>{mode === 'approve' ? 'Note' : 'Reason'}</label>
      <input id={`${id}-note`} required={mode === 'deny'} minLength={mode === 'deny' ? 3 : 0} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      <button type="submit" class={mode === 'approve' ? 'primary' : 'danger'}>
        {mode === 'approve' ? 'Approve' : 'Deny'}
      </button>
      <button type="button" onClick={() => setMode(null)}>
        Cancel
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

export function Exceptions() {
  const pending = useLoad(() => get<{ exceptions: ExceptionItem[] }>('/api/v1/exceptions', { state: 'pending', limit: 500 }), []);
  const soon = useLoad(() => get<{ exceptions: ExceptionItem[] }>('/api/v1/exceptions', { state: 'approved', expires_before: new Date(Date.now() + SOON_DAYS * 86400_000).toISOString(), limit: 500 }), [pending.data]);
  const decided = useLoad(() => get<{ exceptions: ExceptionItem[] }>('/api/v1/exceptions', { limit: 200 }), [pending.data]);
  const edit = canEdit();
  const device = (x: ExceptionItem) => <a href={`/console/devices/${encodeURIComponent(x.device_id)}`}>{x.hostname || x.device_id}</a>;
  return (
    <>
      <h1>Exceptions</h1>
      <section aria-labelledby="pending-h">
        <h2 id="pending-h">Waiting for a decision</h2>
        <Show state={pending}>
          {(p) => (
            <Table
              id="pending"
              caption="Requests from employees, oldest first"
              rows={p.exceptions}
              rowKey={(x) => x.id}
              empty="No request waits."
              columns={[
                { key: 'device', label: 'device', render: device },
                { key: 'tool', label: 'tool' },
                { key: 'requested_by', label: 'requested by' },
                { key: 'device_reported_user', label: 'local user (as the device says)', render: (x) => x.device_reported_user ?? '' },
                { key: 'requested_at', label: 'when', render: (x) => ago(x.requested_at) },
                { key: 'reason', label: 'justification' },
                { key: 'requested_days', label: 'asked for', render: (x) => (x.requested_days ? `${x.requested_days} days` : '') },
                ...(edit ? [{ key: 'decide', label: 'decision', render: (x: ExceptionItem) => <Decide x={x} onDone={pending.reload} /> }] : []),
              ]}
            />
          )}
        </Show>
      </section>
      <section aria-labelledby="soon-h">
        <h2 id="soon-h">Expiring within {SOON_DAYS} days</h2>
        <Show state={soon}>
          {(s) => (
            <Table
              id="expiring"
              caption="Approved exceptions that end soon (the tool is enforced again after)"
              rows={[...s.exceptions].sort((a, b) => String(a.expires_at).localeCompare(String(b.expires_at)))}
              rowKey={(x) => x.id}
              empty="None expires soon."
              columns={[
                { key: 'device', label: 'device', render: device },
                { key: 'tool', label: 'tool' },
                { key: 'expires_at', label: 'expires', render: (x) => when(x.expires_at) },
                { key: 'decided_by', label: 'approved by' },
              ]}
            />
          )}
        </Show>
      </section>
      <section aria-labelledby="all-h">
        <h2 id="all-h">All requests</h2>
        <Show state={decided}>
          {(d) => (
            <Table
              id="all-exceptions"
              caption="Every request and its outcome (first 200)"
              rows={d.exceptions}
              rowKey={(x) => x.id}
              columns={[
                { key: 'device', label: 'device', render: device },
                { key: 'tool', label: 'tool' },
                { key: 'state', label: 'state', render: (x) => <span data-state={x.state}>{x.state}</span> },
                { key: 'reason', label: 'justification' },
                { key: 'decided_by', label: 'decided by', render: (x) => x.decided_by ?? '—' },
                { key: 'decision_note', label: 'note', render: (x) => x.decision_note ?? '—' },
                { key: 'expires_at', label: 'expires', render: (x) => when(x.expires_at) },
              ]}
            />
          )}
        </Show>
        <Downloads path="/api/v1/exceptions" what="every request" />
      </section>
    </>
  );
}
