// The printable compliance summary: dated, the bundle revision in force, the fleet's figures, the
// devices holding banned tools, the rules in force and the exceptions granted — each section on its
// own printed page (print CSS in style.css).
import { get } from '../api.ts';
import { useLoad, Show } from '../components/data.tsx';
import { Table } from '../components/table.tsx';
import { ActionBadge } from '../components/badges.tsx';
import { n, pct, when } from '../format.ts';
import type { BansAnswer, ExceptionItem, FleetDevice, FleetSummary } from '../types.ts';
import { matchText } from './bans.tsx';

export function ComplianceSummary() {
  const data = useLoad(async () => {
    const [summary, bans, bad, exceptions] = await Promise.all([
      get<FleetSummary>('/api/v1/fleet/summary'),
      get<BansAnswer>('/api/v1/bans'),
      get<{ total: number; devices: FleetDevice[] }>('/api/v1/fleet/devices', { compliance: 'noncompliant', limit: 1000 }),
      get<{ exceptions: ExceptionItem[] }>('/api/v1/exceptions', { state: 'approved', limit: 1000 }),
    ]);
    return { summary, bans, bad, exceptions, at: new Date().toISOString() };
  }, []);
  return (
    <Show state={data}>
      {({ summary: s, bans, bad, exceptions, at }) => (
        <article id="compliance-summary">
          <section class="report-page" aria-labelledby="cs-h">
            <h1 id="cs-h">AI-tool compliance summary</h1>
            <p>
              Generated <strong data-generated>{when(at)}</strong>. Bundle in force: <strong data-bundle>{s.bundle?.revision ?? 'none'}</strong> (ban list revision {bans.revision}, {bans.list.rules.length} rule(s), mode {bans.list.mode}).
            </p>
            <p class="no-print">
              <button type="button" class="primary" onClick={() => window.print()}>
                Print
              </button>
            </p>
            <dl class="kpis">
              <div>
                <dt>Active devices</dt>
                <dd data-kpi="active">{n(s.active)}</dd>
              </div>
              <div>
                <dt>Compliant</dt>
                <dd data-kpi="compliant">{n(s.compliance.compliant)}</dd>
                <dd class="muted">{pct(s.compliance.compliant, s.active)}</dd>
              </div>
              <div>
                <dt>Banned tool present</dt>
                <dd data-kpi="noncompliant">{n(s.compliance.noncompliant)}</dd>
                <dd class="muted">{pct(s.compliance.noncompliant, s.active)}</dd>
              </div>
              <div>
                <dt>Applied the bundle in force</dt>
                <dd data-kpi="current">{n(s.bundle_revisions.filter((r) => r.current).reduce((a, r) => a + r.devices, 0))}</dd>
                <dd class="muted">{n(s.compliance.unknown)} device(s) have not reported decisions</dd>
              </div>
            </dl>
          </section>
          <section class="report-page" aria-labelledby="cs-bad-h">
            <h2 id="cs-bad-h">Devices with banned tools ({n(bad.total)})</h2>
            <Table
              caption={`As their agents reported at their last check-in (${bad.total > bad.devices.length ? `first ${bad.devices.length}` : 'all'})`}
              rows={bad.devices}
              rowKey={(d) => d.id}
              empty="None."
              columns={[
                { key: 'hostname', label: 'device' },
                { key: 'banned_tools', label: 'banned tools', render: (d) => d.banned_tools.join(', ') },
                { key: 'strictest_action', label: 'action', render: (d) => <ActionBadge a={d.strictest_action} /> },
                { key: 'last_seen_at', label: 'last check-in', render: (d) => when(d.last_seen_at) },
              ]}
            />
          </section>
          <section class="report-page" aria-labelledby="cs-rules-h">
            <h2 id="cs-rules-h">Rules in force</h2>
            <Table
              caption={`Ban list revision ${bans.revision}`}
              rows={bans.list.rules}
              rowKey={(r) => r.id}
              empty="No rules."
              columns={[
                { key: 'id', label: 'rule' },
                { key: 'action', label: 'action', render: (r) => <ActionBadge a={r.action} /> },
                { key: 'match', label: 'applies to', render: (r) => matchText(r.match) },
                { key: 'mode', label: 'mode', render: (r) => (r.monitor ? 'monitor' : r.grace_until ? `grace until ${r.grace_until}` : 'enforce') },
              ]}
            />
          </section>
          <section class="report-page" aria-labelledby="cs-exc-h">
            <h2 id="cs-exc-h">Exceptions granted ({n(exceptions.exceptions.length)})</h2>
            <Table
              caption="Approved and not yet expired"
              rows={exceptions.exceptions}
              rowKey={(x) => x.id}
              empty="None."
              columns={[
                { key: 'hostname', label: 'device', render: (x) => x.hostname || x.device_id },
                { key: 'tool', label: 'tool' },
                { key: 'reason', label: 'justification' },
                { key: 'decided_by', label: 'approved by' },
                { key: 'expires_at', label: 'expires', render: (x) => when(x.expires_at) },
              ]}
            />
          </section>
        </article>
      )}
    </Show>
  );
}
