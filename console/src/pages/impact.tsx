// The impact preview of a draft (what moves to which action: devices, users, findings — and each
// change listed) and the live rollout of a published list (applied / pending, polled every second
// until every active device applied the bundle being served).
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.ts';
import { ActionBadge } from '../components/badges.tsx';
import { Table } from '../components/table.tsx';
import { ago, n } from '../format.ts';
import { ACTIONS, type ImpactReport, type Rollout } from '../types.ts';

export function ImpactPanel({ impact }: { impact: ImpactReport }) {
  const moves = ACTIONS.filter((a) => impact.moves[a]).map((a) => ({ action: a, ...impact.moves[a]! }));
  return (
    <section class="card" aria-labelledby="impact-h" id="impact">
      <h3 id="impact-h">Impact preview</h3>
      <p>
        <strong data-impact="devices-changed">{n(impact.devices_changed)}</strong> of {n(impact.devices_evaluated)} device(s) and <strong data-impact="findings-changed">{n(impact.findings_changed)}</strong> of {n(impact.findings_evaluated)} installed tool(s) would change
        action. Evaluated with the agents' own policy on each device's latest inventory.
      </p>
      <Table
        id="impact-moves"
        caption="Moving to each action"
        rows={moves}
        rowKey={(r) => r.action}
        empty="Nothing changes."
        columns={[
          { key: 'action', label: 'to action', render: (r) => <ActionBadge a={r.action} /> },
          { key: 'devices', label: 'devices', class: 'num', render: (r) => <span data-move={r.action} data-col="devices">{n(r.devices)}</span> },
          { key: 'users', label: 'users', class: 'num', render: (r) => <span data-move={r.action} data-col="users">{n(r.users)}</span> },
          { key: 'findings', label: 'installed tools', class: 'num', render: (r) => <span data-move={r.action} data-col="findings">{n(r.findings)}</span> },
        ]}
      />
      <Table
        caption="Installed tools per action, before and after"
        rows={ACTIONS.filter((a) => impact.before[a] || impact.after[a]).map((a) => ({ action: a, before: impact.before[a], after: impact.after[a] }))}
        rowKey={(r) => r.action}
        columns={[
          { key: 'action', label: 'action', render: (r) => <ActionBadge a={r.action} /> },
          { key: 'before', label: 'published list', class: 'num' },
          { key: 'after', label: 'draft', class: 'num' },
        ]}
      />
      <Table
        id="impact-changes"
        caption={`Each change${impact.truncated ? ' (first 500)' : ''}`}
        rows={impact.changes}
        rowKey={(r) => `${r.device_id}/${r.finding}`}
        columns={[
          { key: 'hostname', label: 'device', render: (r) => <a href={`/console/devices/${encodeURIComponent(r.device_id)}`}>{r.hostname}</a> },
          { key: 'user', label: 'user', render: (r) => r.user ?? '(machine-wide)' },
          { key: 'tool', label: 'tool' },
          { key: 'from', label: 'from', render: (r) => <ActionBadge a={r.from} /> },
          { key: 'to', label: 'to', render: (r) => <ActionBadge a={r.to} /> },
          { key: 'groups', label: 'through group', render: (r) => (r.groups ?? []).join(', ') || '—' },
        ]}
      />
    </section>
  );
}

/** Polls the rollout while it is incomplete (1 s), then slowly (10 s) in case devices come and go. */
export function RolloutPanel({ expect }: { expect: string | null }) {
  const [r, setR] = useState<Rollout | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const tick = async () => {
      let done = false;
      try {
        const x = await get<Rollout>('/api/v1/fleet/rollout');
        if (!live) return;
        setR(x);
        setError(null);
        done = !x.building && x.pending === 0 && (expect === null || x.ban_list_revision === expect);
      } catch (e) {
        if (live) setError(e instanceof Error ? e.message : String(e));
      }
      if (live) timer = window.setTimeout(() => void tick(), done ? 10_000 : 1000);
    };
    void tick();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [expect]);
  if (!r) return <p class="muted">{error ?? 'Loading the rollout…'}</p>;
  const waiting = r.building || (expect !== null && r.ban_list_revision !== expect);
  return (
    <section class="card" aria-labelledby="rollout-h" id="rollout">
      <h3 id="rollout-h">Rollout of bundle {r.bundle?.revision ?? '(none)'}</h3>
      {error && <p class="error">{error}</p>}
      <p aria-live="polite">
        {waiting ? (
          <span>Building and signing the bundle for revision {expect ?? r.ban_list_revision}…</span>
        ) : (
          <span>
            Applied on <strong data-rollout="applied">{n(r.applied)}</strong> of <strong data-rollout="active">{n(r.active)}</strong> device(s); <span data-rollout="pending">{n(r.pending)}</span> pending.
            {r.pending === 0 && r.active > 0 ? <strong class="ok" data-rollout="done"> Every device has it.</strong> : null}
          </span>
        )}
      </p>
      <progress class="progress" max={Math.max(1, r.active)} value={waiting ? 0 : r.applied} aria-label="Devices that applied the bundle" />
      <p class="muted">{r.bundle ? `${n(r.bundle.push_connected)} agent(s) connected for push on this server; the others pick it up at their next check-in.` : 'No bundle is being served.'}</p>
      {r.pending_devices.length > 0 && (
        <Table
          caption="Pending devices (first 50)"
          rows={r.pending_devices}
          rowKey={(d) => d.id}
          columns={[
            { key: 'hostname', label: 'device', render: (d) => <a href={`/console/devices/${encodeURIComponent(d.id)}`}>{d.hostname}</a> },
            { key: 'bundle_revision', label: 'has', render: (d) => d.bundle_revision ?? 'none' },
            { key: 'last_seen_at', label: 'last check-in', render: (d) => ago(d.last_seen_at) },
          ]}
        />
      )}
    </section>
  );
}
