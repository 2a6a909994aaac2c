// What the API shows of stored records: snake_case, ISO times, never a hash or credential id.
import type { AuditEntry, BanEntryRecord, BanVersion, Device, ExceptionRecord, User } from '../store/types.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function deviceDto(d: Device) {
  return {
    id: d.id, hostname: d.hostname, platform: d.platform, agent_version: d.agentVersion, state: d.state, enrolled_at: iso(d.enrolledAt),
    last_seen_at: iso(d.lastSeenAt), revoked_at: iso(d.revokedAt), bundle_revision: d.bundleRevision, status: d.status, inventory_seq: d.inventorySeq, inventory_at: iso(d.inventoryAt),
  };
}
export function exceptionDto(e: ExceptionRecord) {
  return {
    id: e.id, device_id: e.deviceId, tool: e.toolId, reason: e.reason, requested_by: e.requestedBy, device_reported_user: e.deviceReportedUser ?? null, requested_days: e.requestedDays ?? null, requested_at: iso(e.requestedAt), state: e.state,
    decided_by: e.decidedBy, decided_at: iso(e.decidedAt), decision_note: e.decisionNote, expires_at: iso(e.expiresAt),
    ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
  };
}
export function userDto(u: User) {
  return { id: u.id, username: u.username, role: u.role, created_at: iso(u.createdAt), disabled: u.disabled };
}
export function banEntryDto(e: BanEntryRecord) {
  return { id: e.id, position: e.position, version: e.version, entry: e.entry, created_by: e.createdBy, created_at: iso(e.createdAt), updated_by: e.updatedBy, updated_at: iso(e.updatedAt), why: e.why };
}
export function banVersionDto(v: BanVersion) {
  return { revision: v.revision, entry_id: v.entryId, version: v.version, op: v.op, entry: v.entry, by: v.by, at: iso(v.at), why: v.why };
}
export function auditDto(a: AuditEntry) {
  return { seq: a.seq, at: iso(a.at), actor: a.actor, action: a.action, target: a.target, detail: a.detail, ip: a.ip };
}
