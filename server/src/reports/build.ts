// The compliance reports, as rows with fixed columns (so CSV and JSON agree).
import { LADDER_RANK, type Action } from '../../../wire/src/decision.ts';
import type { WardenCore } from '../app.ts';
import { VIOLATION_ACTIONS, fleetDecisions } from '../policy/impact.ts';
import type { InventoryGrouping } from '../store/types.ts';
import type { ReportKind } from '../schemas/api.ts';
import type { Cell } from './csv.ts';
import { GROUP_REPORT_COLUMNS, groupReport } from '../groups/report.ts';
import { MANAGED_REPORT_COLUMNS, managedReport } from './managed.ts';

export interface Report {
  kind: ReportKind;
  generated_at: string;
  columns: readonly string[];
  rows: Record<string, Cell>[];
}

const COLUMNS: Record<ReportKind, readonly string[]> = {
  'inventory-by-tool': ['tool_id', 'name', 'vendor', 'devices', 'installs'],
  'inventory-by-version': ['tool_id', 'name', 'version', 'devices', 'installs'],
  'inventory-by-vendor': ['vendor', 'tools', 'devices', 'installs'],
  'inventory-by-vendor-country': ['vendor_country', 'vendors', 'tools', 'devices', 'installs'],
  'inventory-by-device': ['device_id', 'hostname', 'platform', 'tools', 'installs'],
  'noncompliant-devices': ['device_id', 'hostname', 'platform', 'strictest_action', 'findings', 'tools', 'groups', 'bundle_revision', 'bundle_current', 'last_seen_at'],
  exceptions: ['id', 'device_id', 'hostname', 'tool', 'state', 'reason', 'requested_by', 'device_reported_user', 'requested_at', 'decided_by', 'decided_at', 'expires_at'],
  ...GROUP_REPORT_COLUMNS,
  ...MANAGED_REPORT_COLUMNS,
};

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export async function buildReport(core: WardenCore, kind: ReportKind): Promise<Report> {
  const { store, now } = core;
  const columns = COLUMNS[kind];
  let rows: Record<string, Cell>[];
  if (kind === 'groups' || kind === 'group-members') {
    rows = await groupReport(store, core.groups, kind);
  } else if (kind === 'mcp-servers' || kind === 'managed-settings-bypasses') {
    rows = await managedReport(store, kind);
  } else if (kind.startsWith('inventory-by-')) {
    rows = await store.inventoryReport(kind.slice('inventory-by-'.length).replace('-', '_') as InventoryGrouping);
  } else if (kind === 'noncompliant-devices') {
    const snap = await core.banlist.snapshot();
    const fleet = await fleetDecisions(store, core.groups, core.evaluator, snap.list, new Date(now()));
    rows = [];
    for (const { device, decisions } of fleet) {
      const bad = decisions.filter((d) => VIOLATION_ACTIONS.includes(d.action));
      if (bad.length === 0) continue;
      const strictest = bad.reduce<Action>((m, d) => (LADDER_RANK[d.action] > LADDER_RANK[m] ? d.action : m), 'allow');
      rows.push({
        device_id: device.id, hostname: device.hostname, platform: device.platform, strictest_action: strictest, findings: bad.length,
        tools: [...new Set(bad.map((d) => d.tool))].sort().join(' '), groups: [...new Set(bad.flatMap((d) => d.groups ?? []))].sort().join(' '), bundle_revision: device.bundleRevision, bundle_current: device.bundleRevision === snap.revision, last_seen_at: iso(device.lastSeenAt),
      });
    }
  } else {
    rows = [];
    const hostnames = new Map<string, string>();
    for (let offset = 0; ; offset += 1000) {
      const page = await store.listExceptions({ limit: 1000, offset });
      for (const e of page) {
        if (!hostnames.has(e.deviceId)) hostnames.set(e.deviceId, (await store.getDevice(e.deviceId))?.hostname ?? '');
        rows.push({ id: e.id, device_id: e.deviceId, hostname: hostnames.get(e.deviceId) ?? '', tool: e.toolId, state: e.state, reason: e.reason, requested_by: e.requestedBy, device_reported_user: e.deviceReportedUser ?? null, requested_at: iso(e.requestedAt), decided_by: e.decidedBy, decided_at: iso(e.decidedAt), expires_at: iso(e.expiresAt) });
      }
      if (page.length < 1000) break;
    }
  }
  return { kind, generated_at: new Date(now()).toISOString(), columns, rows: rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))) };
}
