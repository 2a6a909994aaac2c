// One device: what it is and when it checked in, its inventory, the decisions its agent made, the
// events timeline and the quarantine vault (metadata the agent reports; restore happens on the device).
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.ts';
import { useLoad, Show, ErrorNote } from '../components/data.tsx';
import { ActionBadge } from '../components/badges.tsx';
import { Downloads, Table } from '../components/table.tsx';
import { ago, when } from '../format.ts';
import type { Action, DeviceDetail, ExceptionItem, StoredEvent } from '../types.ts';

interface Finding {
  tool_id: string;
  name: string;
  vendor: string;
  version: string | null;
  channel: string;
  user: string | null;
  paths: string[];
  running: unknown[];
}

const EVENTS_PAGE = 100;
type EventsPage = { events: StoredEvent[]; next_before: number | null };

/** The device's events newest first, a page at a time: "Load older events" asks the server for the next page (a seq cursor). */
function useEventPages(device: string) {
  const first = useLoad(() => get<EventsPage>('/api/v1/events', { device, order: 'desc', limit: EVENTS_PAGE }), [device]);
  const [more, setMore] = useState<{ events: StoredEvent[]; next: number | null; loading: boolean; error: string | null } | null>(null);
  useEffect(() => setMore(null), [first.data]);
  const events = [...(first.data?.events ?? []), ...(more?.events ?? [])];
  const next = more ? more.next : (first.data?.next_before ?? null);
  const loadMore = () => {
    if (next === null || more?.loading) return;
    const have = more ?? { events: [], next, loading: false, error: null };
    setMore({ ...have, loading: true, error: null });
    get<EventsPage>('/api/v1/events', { device, order: 'desc', limit: EVENTS_PAGE, before: next }).then(
      (p) => setMore({ events: [...have.events, ...p.events], next: p.next_before, loading: false, error: null }),
      (e: unknown) => setMore({ ...have, loading: false, error: e instanceof Error ? e.message : String(e) }),
    );
  };
  return { first, events, next, loadMore, loading: more?.loading ?? false, error: more?.error ?? null };
}

export function Device({ params }: { params: { id: string } }) {
  const id = params.id;
  const dev = useLoad(() => get<{ device: DeviceDetail; findings: Finding[] }>(`/api/v1/devices/${encodeURIComponent(id)}/inventory`), [id]);
  const events = useEventPages(id);
  const exceptions = useLoad(() => get<{ exceptions: ExceptionItem[] }>('/api/v1/exceptions', { device: id, limit: 200 }), [id]);
  return (
    <Show state={dev}>
      {({ device: d, findings }) => (
        <>
          <h1>Device {d.hostname}</h1>
          <dl class="kpis">
            <div>
              <dt>Platform · agent</dt>
              <dd>
                {d.platform} · {d.agent_version}
              </dd>
            </div>
            <div>
              <dt>Last check-in</dt>
              <dd>{ago(d.last_seen_at)}</dd>
              <dd class="muted">{when(d.last_seen_at)}</dd>
            </div>
            <div>
              <dt>Bundle applied</dt>
              <dd>{d.bundle_revision ?? 'none'}</dd>
            </div>
            <div>
              <dt>State</dt>
              <dd>{d.state}</dd>
              <dd class="muted">enrolled {when(d.enrolled_at)} · id {d.id}</dd>
            </div>
          </dl>
          {(d.status?.errors ?? []).length > 0 && (
            <p class="error">
              The agent reports: {(d.status?.errors ?? []).join('; ')}
            </p>
          )}
          <section aria-labelledby="inv-h">
            <h2 id="inv-h">Inventory</h2>
            <Table
              id="device-inventory"
              caption={`AI tools found at the last scan (${when(d.inventory_at)})`}
              rows={findings}
              rowKey={(f) => `${f.tool_id}:${f.channel}:${f.user ?? '-'}`}
              columns={[
                { key: 'name', label: 'tool', render: (f) => `${f.name} (${f.tool_id})` },
                { key: 'version', label: 'version', render: (f) => f.version ?? '?' },
                { key: 'vendor', label: 'vendor' },
                { key: 'channel', label: 'installed via' },
                { key: 'user', label: 'user', render: (f) => f.user ?? '(machine-wide)' },
                { key: 'paths', label: 'paths', render: (f) => f.paths.join(', ') },
                { key: 'running', label: 'running', render: (f) => (f.running.length > 0 ? `${f.running.length} process(es)` : 'no') },
              ]}
            />
            <Downloads path="/api/v1/inventory" query={{ device: d.id }} what="this inventory" />
          </section>
          <section aria-labelledby="dec-h">
            <h2 id="dec-h">Decisions</h2>
            <Table
              id="device-decisions"
              caption="What the agent decided at its last evaluation"
              rows={d.status?.decisions ?? []}
              rowKey={(x) => x.finding}
              empty={d.status?.decisions ? 'No AI tool to decide on.' : 'The agent has not reported decisions yet (no bundle evaluated, or an older agent).'}
              columns={[
                { key: 'finding', label: 'installed tool' },
                { key: 'action', label: 'action', render: (x) => <ActionBadge a={x.action} /> },
                { key: 'rule', label: 'rule', render: (x) => x.rule || '(default)' },
                { key: 'monitor', label: 'mode', render: (x) => (x.monitor ? 'monitor' : x.grace_until ? `grace until ${x.grace_until}` : 'enforce') },
              ]}
            />
          </section>
          <section aria-labelledby="vault-h">
            <h2 id="vault-h">Quarantine vault</h2>
            <Table
              id="device-vault"
              caption="Installs moved into the vault (restorable on the device with warden-agent quarantine restore <id>)"
              rows={d.status?.vault ?? []}
              rowKey={(v) => v.id}
              empty="The vault is empty."
              columns={[
                { key: 'id', label: 'id' },
                { key: 'time', label: 'when', render: (v) => when(v.time) },
                { key: 'tool_name', label: 'tool', render: (v) => `${v.tool_name} (${v.tool})` },
                { key: 'rule', label: 'rule' },
                { key: 'paths', label: 'moved from', render: (v) => v.paths.join(', ') },
                { key: 'entries', label: 'size', render: (v) => `${v.entries} entries, ${v.bytes} bytes` },
                { key: 'bundle_revision', label: 'bundle' },
              ]}
            />
          </section>
          <section aria-labelledby="exc-h">
            <h2 id="exc-h">Exceptions</h2>
            <Show state={exceptions}>
              {(x) => (
                <Table
                  caption="Exception requests from this device"
                  rows={x.exceptions}
                  rowKey={(e) => e.id}
                  empty="None."
                  columns={[
                    { key: 'tool', label: 'tool' },
                    { key: 'state', label: 'state' },
                    { key: 'reason', label: 'justification' },
                    { key: 'expires_at', label: 'expires', render: (e) => when(e.expires_at) },
                  ]}
                />
              )}
            </Show>
          </section>
          <section aria-labelledby="ev-h">
            <h2 id="ev-h">Events</h2>
            <Show state={events.first}>
              {() => (
                <>
                  <Table
                    id="device-events"
                    caption={`What the agent did, newest first (${events.events.length} shown${events.next !== null ? ', older ones on request' : ''})`}
                    rows={events.events}
                    rowKey={(x) => String(x.seq)}
                    empty="No events."
                    columns={[
                      { key: 'time', label: 'when', render: (x) => when(x.event.time) },
                      { key: 'kind', label: 'event', render: (x) => x.event.kind },
                      { key: 'tool', label: 'tool', render: (x) => x.event.tool },
                      { key: 'action', label: 'action', render: (x) => <ActionBadge a={x.event.action as Action} /> },
                      { key: 'result', label: 'result', render: (x) => x.event.result },
                      { key: 'detail', label: 'detail', render: (x) => x.event.detail },
                    ]}
                  />
                  <ErrorNote error={events.error} />
                  {events.next !== null && (
                    <p class="no-print">
                      <button type="button" onClick={events.loadMore} disabled={events.loading} aria-describedby="device-events-count">
                        {events.loading ? 'Loading older events…' : `Load ${EVENTS_PAGE} older events`}
                      </button>
                    </p>
                  )}
                  <p id="device-events-count" class="muted" aria-live="polite">
                    {events.events.length} events shown{events.next === null ? ' — all of them' : ''}.
                  </p>
                  <Downloads path="/api/v1/events" query={{ device: d.id }} what="these events" />
                </>
              )}
            </Show>
          </section>
        </>
      )}
    </Show>
  );
}
