// Reports from what each device's latest inventory says about AI tools run under rules: every MCP
// server configured (name, transport, program file name or URL, scope, config file), and every way
// a tool's managed settings were seen bypassed (stale location, override variable NAME, unmanaged
// copy). One row each, per device, user and tool.
import type { Finding } from '../../../wire/src/inventory.ts';
import type { Repository } from '../store/types.ts';
import type { Cell } from './csv.ts';

export const MANAGED_REPORT_COLUMNS = {
  'mcp-servers': ['device_id', 'hostname', 'user', 'tool_id', 'name', 'transport', 'command', 'url', 'scope', 'config'],
  'managed-settings-bypasses': ['device_id', 'hostname', 'user', 'tool_id', 'kind', 'name'],
} as const;

export type ManagedReportKind = keyof typeof MANAGED_REPORT_COLUMNS;

export async function managedReport(store: Repository, kind: ManagedReportKind): Promise<Record<string, Cell>[]> {
  const rows: Record<string, Cell>[] = [];
  for (let offset = 0; ; offset += 1000) {
    const devices = (await store.listDevices({ limit: 1000, offset })).filter((d) => d.state === 'active');
    const inventories = await store.getInventories(devices.map((d) => d.id));
    for (const d of devices) {
      for (const r of inventories.get(d.id) ?? []) {
        const f = r.detail as unknown as Finding;
        const base = { device_id: d.id, hostname: d.hostname, user: f.user, tool_id: f.tool_id };
        if (kind === 'mcp-servers') for (const m of f.mcp_servers ?? []) rows.push({ ...base, name: m.name, transport: m.transport, command: m.command, url: m.url, scope: m.scope, config: m.config });
        else for (const b of f.bypasses ?? []) rows.push({ ...base, kind: b.kind, name: b.name });
      }
    }
    if (devices.length < 1000) break;
  }
  return rows;
}
