// What each stored change says as an integration event (event-log.ts). Called by the repository
// inside the transaction that stores the change; pure functions of what it read and wrote.
import type { AuditEntry, DeviceVerdict, EventRow } from '../store/types.ts';
import type { NewIntegrationEvent } from './event-log.ts';

export function enforcementEvents(deviceId: string, hostname: string, rows: EventRow[]): NewIntegrationEvent[] {
  return rows.map((e) => ({ type: `enforcement.${e.kind}`, at: e.at, deviceId, data: { device_id: deviceId, hostname, event: e.detail } }));
}

export interface ItemFacts {
  key: string;
  toolId: string;
  version: string;
}

/** inventory.changed when tools appeared, went away or changed version; null when nothing did. */
export function inventoryChange(deviceId: string, hostname: string, seq: number, before: ItemFacts[], after: ItemFacts[], at: number): NewIntegrationEvent | null {
  const prev = new Map(before.map((i) => [i.key, i]));
  const next = new Map(after.map((i) => [i.key, i]));
  const added = after.filter((i) => !prev.has(i.key)).map((i) => ({ key: i.key, tool: i.toolId, version: i.version }));
  const removed = before.filter((i) => !next.has(i.key)).map((i) => ({ key: i.key, tool: i.toolId, version: i.version }));
  const changed = after
    .filter((i) => prev.has(i.key) && prev.get(i.key)!.version !== i.version)
    .map((i) => ({ key: i.key, tool: i.toolId, from: prev.get(i.key)!.version, to: i.version }));
  if (added.length + removed.length + changed.length === 0) return null;
  return { type: 'inventory.changed', at, deviceId, data: { device_id: deviceId, hostname, inventory_seq: seq, added, removed, changed } };
}

export interface HealthFacts {
  hostname: string;
  compliance: string | null;
  strictestAction: string | null;
  bannedTools: string;
  bundleRevision: string | null;
  errors: string[];
}

/** agent.health when the device's verdict, bundle revision or reported errors changed. */
export function healthChange(deviceId: string, before: HealthFacts, bundleRevision: string | null, status: Record<string, unknown>, verdict: DeviceVerdict | undefined, at: number): NewIntegrationEvent | null {
  const errors = Array.isArray(status.errors) ? status.errors.map(String) : [];
  const compliance = verdict?.compliance ?? before.compliance;
  const strictest = verdict?.strictestAction ?? before.strictestAction;
  const banned = verdict ? verdict.bannedTools.join(' ') : before.bannedTools;
  const same = compliance === before.compliance && strictest === before.strictestAction && banned === before.bannedTools && bundleRevision === before.bundleRevision && JSON.stringify(errors) === JSON.stringify(before.errors);
  if (same) return null;
  return {
    type: 'agent.health',
    at,
    deviceId,
    data: {
      device_id: deviceId, hostname: before.hostname, compliance: compliance ?? 'unknown', previous_compliance: before.compliance ?? 'unknown',
      strictest_action: strictest, banned_tools: banned.split(' ').filter((t) => t !== ''), bundle_revision: bundleRevision,
      previous_bundle_revision: before.bundleRevision, errors, agent_version: typeof status.agent_version === 'string' ? status.agent_version : null,
    },
  };
}

export function auditEvent(e: Omit<AuditEntry, 'seq'>): NewIntegrationEvent {
  const device = typeof e.detail.device === 'string' ? e.detail.device : e.target.startsWith('device:') ? e.target.slice('device:'.length) : null;
  return { type: `audit.${e.action}`, at: e.at, deviceId: device, data: { actor: e.actor, action: e.action, target: e.target, detail: e.detail, ip: e.ip } };
}
