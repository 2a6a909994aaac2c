// Fleet overview: devices, check-ins, agent versions, bundle applied vs current, compliance over
// time, AI tools by vendor / vendor country / version, and the devices that hold a banned tool.
import { useState } from 'preact/hooks';
import { get } from '../api.ts';
import { useLoad, Show } from '../components/data.tsx';
import { ChartBox } from '../components/chart.tsx';
import { Downloads, Pager, Table } from '../components/table.tsx';
import { ActionBadge, BundleBadge, ComplianceBadge } from '../components/badges.tsx';
import { ago, n, pct } from '../format.ts';
import type { ComplianceSample, FleetDevice, FleetSummary, ReportAnswer } from '../types.ts';

const TOP = 12;

function top(rows: ReportAnswer['rows'], label: (r: ReportAnswer['rows'][number]) => string): { labels: string[]; values: number[] } {
  const sorted = [...rows].sort((a, b) => Number(b.devices) - Number(a.devices)).slice(0, TOP);
  return { labels: sorted.map(label), values: sorted.map((r) => Number(r.devices)) };
}

export function Overview() {
  const summary = useLoad(() => get<FleetSummary>('/api/v1/fleet/summary'), []);
  const history = useLoad(() => get<{ samples: ComplianceSample[] }>('/api/v1/fleet/compliance-history', { days: 30 }), []);
  const byVendor = useLoad(() => get<ReportAnswer>('/api/v1/reports/inventory-by-vendor'), []);
  const byCountry = useLoad(() => get<ReportAnswer>('/api/v1/reports/inventory-by-vendor-country'), []);
  const byVersion = useLoad(() => get<ReportAnswer>('/api/v1/reports/inventory-by-version'), []);
  const [offset, setOffset] = useState(0);
  const devices = useLoad(() => get<{ total: number; devices: FleetDevice[] }>('/api/v1/fleet/devices', { limit: 25, offset }), [offset]);
  const [badOffset, setBadOffset] = useState(0);
  const banned = useLoad(() => get<{ total: number; devices: FleetDevice[] }>('/api/v1/fleet/devices', { compliance: 'noncompliant', limit: 25, offset: badOffset }), [badOffset]);

  return (
    <>
      <h1>Fleet overview</h1>
      <Show state={summary}>
        {(s) => (
          <section aria-labelledby="kpi-h">
            <h2 id="kpi-h" class="visually-hidden">
              Key figures
            </h2>
            <dl class="kpis">
              <div>
                <dt>Devices</dt>
                <dd data-kpi="active">{n(s.active)}</dd>
                <dd class="muted">{s.revoked > 0 ? `${n(s.revoked)} revoked` : 'active'}</dd>
              </div>
              <div>
                <dt>Checked in (24 h)</dt>
                <dd data-kpi="seen">{n(s.seen_last_24h)}</dd>
                <dd class="muted">{pct(s.seen_last_24h, s.active)}</dd>
              </div>
              <div>
                <dt>Banned tool present</dt>
                <dd data-kpi="noncompliant">{n(s.compliance.noncompliant)}</dd>
                <dd class="muted">
                  {n(s.compliance.compliant)} compliant, {n(s.compliance.unknown)} not reported
                </dd>
              </div>
              <div>
                <dt>Bundle in force</dt>
                <dd data-kpi="bundle">{s.bundle?.revision ?? 'none built'}</dd>
                <dd class="muted">
                  {n(s.bundle_revisions.filter((r) => r.current).reduce((a, r) => a + r.devices, 0))} of {n(s.active)} applied · {s.ban_list.rules} rule(s), {s.ban_list.mode}
                </dd>
              </div>
            </dl>
            <div class="grid2">
              <Table
                caption="Agent versions"
                columns={[{ key: 'version', label: 'version' }, { key: 'devices', label: 'devices', class: 'num' }]}
                rows={s.agent_versions}
                rowKey={(r) => r.version}
              />
              <Table
                caption="Bundle revision applied"
                columns={[
                  { key: 'revision', label: 'revision', render: (r) => <BundleBadge current={r.current} revision={r.revision} /> },
                  { key: 'devices', label: 'devices', class: 'num' },
                ]}
                rows={s.bundle_revisions}
                rowKey={(r) => String(r.revision)}
              />
            </div>
          </section>
        )}
      </Show>

      <section aria-labelledby="charts-h">
        <h2 id="charts-h">Compliance and AI tools</h2>
        <div class="grid2">
          <Show state={history}>
            {(h) => (
              <ChartBox
                id="chart-compliance"
                title="Compliance over time (devices)"
                kind="line"
                stacked
                labels={h.samples.map((x) => x.at.slice(0, 16).replace('T', ' '))}
                series={[
                  { label: 'compliant', values: h.samples.map((x) => x.compliant), color: '#3c9d5d' },
                  { label: 'banned tool present', values: h.samples.map((x) => x.noncompliant), color: '#b5443c' },
                  { label: 'not reported', values: h.samples.map((x) => x.unknown), color: '#9aa5b1' },
                ]}
              />
            )}
          </Show>
          <Show state={byVendor}>{(r) => <ChartBox id="chart-vendor" title="AI tools by vendor (devices)" kind="bar" labels={top(r.rows, (x) => String(x.vendor)).labels} series={[{ label: 'devices', values: top(r.rows, (x) => String(x.vendor)).values }]} />}</Show>
          <Show state={byCountry}>{(r) => <ChartBox id="chart-country" title="AI tools by vendor country (devices)" kind="bar" labels={top(r.rows, (x) => String(x.vendor_country || 'unknown')).labels} series={[{ label: 'devices', values: top(r.rows, (x) => String(x.vendor_country || 'unknown')).values }]} />}</Show>
          <Show state={byVersion}>{(r) => <ChartBox id="chart-version" title="AI tools by version (devices)" kind="bar" labels={top(r.rows, (x) => `${String(x.name)} ${String(x.version) || '?'}`).labels} series={[{ label: 'devices', values: top(r.rows, (x) => `${String(x.name)} ${String(x.version) || '?'}`).values }]} />}</Show>
        </div>
      </section>

      <section aria-labelledby="banned-h">
        <h2 id="banned-h">Devices with banned tools</h2>
        <Show state={banned}>
          {(d) => (
            <>
              <Table
                id="banned-devices"
                caption="Devices whose agent reported a banned tool at its last check-in"
                rows={d.devices}
                rowKey={(r) => r.id}
                empty="No device reports a banned tool."
                columns={[
                  { key: 'hostname', label: 'device', render: (r) => <a href={`/console/devices/${encodeURIComponent(r.id)}`}>{r.hostname}</a> },
                  { key: 'banned_tools', label: 'banned tools', render: (r) => r.banned_tools.join(', ') },
                  { key: 'strictest_action', label: 'strictest action', render: (r) => <ActionBadge a={r.strictest_action} /> },
                  { key: 'last_seen_at', label: 'last check-in', render: (r) => ago(r.last_seen_at) },
                ]}
              />
              <Pager label="Devices with banned tools" total={d.total} limit={25} offset={badOffset} onPage={setBadOffset} />
              <Downloads path="/api/v1/fleet/devices" query={{ compliance: 'noncompliant' }} what="devices with banned tools" />
            </>
          )}
        </Show>
      </section>

      <section aria-labelledby="devices-h">
        <h2 id="devices-h">Devices</h2>
        <Show state={devices}>
          {(d) => (
            <>
              <Table
                id="devices"
                caption="Every device, its last check-in, agent version and bundle"
                rows={d.devices}
                rowKey={(r) => r.id}
                columns={[
                  { key: 'hostname', label: 'device', render: (r) => <a href={`/console/devices/${encodeURIComponent(r.id)}`}>{r.hostname}</a> },
                  { key: 'platform', label: 'platform' },
                  { key: 'agent_version', label: 'agent' },
                  { key: 'last_seen_at', label: 'last check-in', render: (r) => ago(r.last_seen_at) },
                  { key: 'bundle_revision', label: 'bundle applied', render: (r) => <BundleBadge current={r.bundle_current} revision={r.bundle_revision} /> },
                  { key: 'compliance', label: 'compliance', render: (r) => <ComplianceBadge c={r.compliance} /> },
                ]}
              />
              <Pager label="Devices" total={d.total} limit={25} offset={offset} onPage={setOffset} />
              <Downloads path="/api/v1/fleet/devices" what="all devices" />
            </>
          )}
        </Show>
      </section>
    </>
  );
}
