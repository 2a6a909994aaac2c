// The integration event log: everything that happens, once, in order. Rows are appended inside the
// transaction that stores what they describe (an agent's events, an inventory change, a health
// change, an audit entry), so an event exists exactly when its cause was committed. Webhooks and the
// SIEM stream read it by `seq` (a resumable cursor); `id` is the idempotency key a receiver dedupes on.
//
// Types: enforcement.<kind> (wire/src/event.ts kinds), inventory.changed, agent.health, and
// audit.<action> for every audited action (audit.ban.*, audit.exception.*, audit.group.*, …).
import { randomUUID } from 'node:crypto';
import type { SqlExecutor, SqlValue } from '../store/sql-driver.ts';

/** Told after a commit that appended events (PostgreSQL NOTIFY reaches every node). */
export const EVENTS_CHANNEL = 'warden_integration_events';

export interface NewIntegrationEvent {
  type: string;
  at: number;
  deviceId: string | null;
  data: Record<string, unknown>;
}

export interface IntegrationEvent extends NewIntegrationEvent {
  seq: number;
  id: string;
}

/** A type filter: '*', an exact type, or a prefix ending in '.*' ('enforcement.*', 'audit.exception.*'). */
export const TYPE_PATTERN = '^(\\*|[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?)$';
const TYPE_RE = new RegExp(TYPE_PATTERN);

export function typeFilterProblems(patterns: string[]): string[] {
  return patterns.filter((p) => !TYPE_RE.test(p)).map((p) => `'${p}' is not an event type pattern (use *, a type, or a prefix like enforcement.*)`);
}

export function matchesTypes(type: string, patterns: string[]): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/** SQL condition over `type` for the patterns (validated by typeFilterProblems first). */
export function typeWhere(patterns: string[]): { sql: string; vals: SqlValue[] } {
  if (patterns.length === 0 || patterns.includes('*')) return { sql: '1 = 1', vals: [] };
  const parts: string[] = [];
  const vals: SqlValue[] = [];
  for (const p of patterns) {
    if (p.endsWith('.*')) {
      // Type patterns hold no LIKE wildcards except '_', which is escaped.
      parts.push("type LIKE ? ESCAPE '!'");
      vals.push(`${p.slice(0, -1).replaceAll('_', '!_')}%`);
    } else {
      parts.push('type = ?');
      vals.push(p);
    }
  }
  return { sql: `(${parts.join(' OR ')})`, vals };
}

/** Appends events inside the caller's transaction. */
export async function appendIntegrationEvents(tx: SqlExecutor, events: NewIntegrationEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 50) {
    const chunk = events.slice(i, i + 50);
    await tx.run(
      `INSERT INTO integration_events (id, type, at, device_id, data_json) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(',')}`,
      chunk.flatMap((e) => [`evt_${randomUUID()}`, e.type, e.at, e.deviceId, JSON.stringify(e.data)]),
    );
  }
}

type Row = Record<string, unknown>;
export function toIntegrationEvent(r: Row): IntegrationEvent {
  return {
    seq: Number(r.seq), id: String(r.id), type: String(r.type), at: Number(r.at),
    deviceId: r.device_id === null || r.device_id === undefined ? null : String(r.device_id),
    data: JSON.parse(String(r.data_json)) as Record<string, unknown>,
  };
}

/** Events after `after` matching the type patterns, oldest first. */
export async function readIntegrationEvents(db: SqlExecutor, after: number, patterns: string[], limit: number): Promise<IntegrationEvent[]> {
  const w = typeWhere(patterns);
  const rows = await db.all<Row>(`SELECT * FROM integration_events WHERE seq > ? AND ${w.sql} ORDER BY seq LIMIT ?`, [after, ...w.vals, limit]);
  return rows.map(toIntegrationEvent);
}

export async function lastIntegrationSeq(db: SqlExecutor): Promise<number> {
  const r = await db.get<Row>('SELECT COALESCE(MAX(seq), 0) AS n FROM integration_events');
  return Number(r?.n ?? 0);
}
