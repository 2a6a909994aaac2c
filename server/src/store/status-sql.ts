// The full write of status check-ins that changed something (a rollout's "bundle applied", a new
// error, new decisions), a batch at a time inside one transaction (group-commit.ts BatchCommit): each
// device's previous facts are read (locked on PostgreSQL), its row rewritten, and an agent.health
// event appended when its health changed. PostgreSQL gets one statement per step for the whole batch
// (a round trip each, not three per check-in); SQLite runs one prepared statement per row, which
// costs microseconds in-process. Every device appears at most once per batch (BatchCommit's key).
import { healthChange, type HealthFacts } from '../integrations/derive.ts';
import { appendIntegrationEvents, type NewIntegrationEvent } from '../integrations/event-log.ts';
import type { Dialect, SqlExecutor, SqlValue } from './sql-driver.ts';
import type { DeviceVerdict } from './types.ts';

export interface StatusWrite {
  id: string;
  at: number;
  bundleRevision: string | null;
  status: Record<string, unknown>;
  /** JSON.stringify(status), as stored. */
  statusJson: string;
  /** statusDigest(bundleRevision, statusJson, verdict), stored beside it. */
  digest: string;
  verdict: DeviceVerdict | undefined;
}

type Row = Record<string, unknown>;
const PREV_COLS = 'id, hostname, compliance, strictest_action, banned_tools, bundle_revision, status_json';

function facts(r: Row): HealthFacts {
  let errors: string[] = [];
  try {
    const e = (JSON.parse(String(r.status_json ?? '{}')) as { errors?: unknown }).errors;
    if (Array.isArray(e)) errors = e.map(String);
  } catch {
    errors = [];
  }
  const opt = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  return { hostname: String(r.hostname ?? ''), compliance: opt(r.compliance), strictestAction: opt(r.strictest_action), bannedTools: String(r.banned_tools ?? ''), bundleRevision: opt(r.bundle_revision), errors };
}

// bundle_applied_at moves only when the reported revision changes (NULL = NULL is not true: a first
// revision after none sets it too); the verdict columns only when the agent reported decisions.
const ROW_SETS = 'last_seen_at = ?, bundle_applied_at = CASE WHEN bundle_revision = ? THEN bundle_applied_at ELSE ? END, bundle_revision = ?, status_json = ?, status_hash = ?';
const VERDICT_SETS = ', compliance = ?, strictest_action = ?, banned_tools = ?';

/** Writes the batch; returns, per write, whether an integration event was appended for it. */
export async function writeStatuses(tx: SqlExecutor, dialect: Dialect, ws: StatusWrite[]): Promise<boolean[]> {
  const prev = new Map<string, Row>();
  if (dialect === 'postgres') {
    await lockPrevious(tx, ws, prev);
    await tx.run(
      `UPDATE devices SET last_seen_at = CAST(v.column2 AS BIGINT),
        bundle_applied_at = CASE WHEN devices.bundle_revision = v.column3 THEN devices.bundle_applied_at ELSE CAST(v.column4 AS BIGINT) END,
        bundle_revision = v.column3, status_json = v.column5, status_hash = v.column6,
        compliance = CASE WHEN v.column7 = '1' THEN v.column8 ELSE devices.compliance END,
        strictest_action = CASE WHEN v.column7 = '1' THEN v.column9 ELSE devices.strictest_action END,
        banned_tools = CASE WHEN v.column7 = '1' THEN v.column10 ELSE devices.banned_tools END
       FROM (VALUES ${ws.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}) AS v WHERE devices.id = v.column1`,
      ws.flatMap((w): SqlValue[] => [
        w.id, w.at, w.bundleRevision, w.bundleRevision === null ? null : w.at, w.statusJson, w.digest,
        w.verdict ? '1' : '0', w.verdict?.compliance ?? null, w.verdict?.strictestAction ?? null, w.verdict?.bannedTools.join(' ') ?? '',
      ]),
    );
  } else {
    for (const w of ws) {
      const r = await tx.get<Row>(`SELECT ${PREV_COLS} FROM devices WHERE id = ?`, [w.id]);
      if (r) prev.set(w.id, r);
      const vals: SqlValue[] = [w.at, w.bundleRevision, w.bundleRevision === null ? null : w.at, w.bundleRevision, w.statusJson, w.digest];
      if (w.verdict) vals.push(w.verdict.compliance, w.verdict.strictestAction, w.verdict.bannedTools.join(' '));
      await tx.run(`UPDATE devices SET ${ROW_SETS}${w.verdict ? VERDICT_SETS : ''} WHERE id = ?`, [...vals, w.id]);
    }
  }
  const events: (NewIntegrationEvent | null)[] = ws.map((w) => {
    const p = prev.get(w.id);
    return p ? healthChange(w.id, facts(p), w.bundleRevision, w.status, w.verdict, w.at) : null;
  });
  return appendHealthEvents(tx, events);
}

/** A device's report over its push socket that it applied the bundle of this revision (routes/push.ts). */
export interface AppliedWrite {
  id: string;
  at: number;
  bundleRevision: string;
}

/**
 * Records applied bundles, a batch at a time: bundle revision, bundle_applied_at (when the revision
 * changed) and last_seen_at move; the stored status JSON and verdict stay as the last check-in
 * reported them, and status_hash is emptied when the revision changed (it described the old one, so
 * the next check-in is written in full). An agent.health event is appended when the revision changed,
 * as a check-in reporting it would. Returns, per write, whether an event was appended.
 */
export async function writeApplied(tx: SqlExecutor, dialect: Dialect, ws: AppliedWrite[]): Promise<boolean[]> {
  const prev = new Map<string, Row>();
  const SETS = "last_seen_at = ?, bundle_applied_at = CASE WHEN bundle_revision = ? THEN bundle_applied_at ELSE ? END, status_hash = CASE WHEN bundle_revision = ? THEN status_hash ELSE '' END, bundle_revision = ?";
  if (dialect === 'postgres') {
    await lockPrevious(tx, ws, prev);
    await tx.run(
      `UPDATE devices SET last_seen_at = CAST(v.column2 AS BIGINT),
        bundle_applied_at = CASE WHEN devices.bundle_revision = v.column3 THEN devices.bundle_applied_at ELSE CAST(v.column2 AS BIGINT) END,
        status_hash = CASE WHEN devices.bundle_revision = v.column3 THEN devices.status_hash ELSE '' END,
        bundle_revision = v.column3
       FROM (VALUES ${ws.map(() => '(?, ?, ?)').join(', ')}) AS v WHERE devices.id = v.column1`,
      ws.flatMap((w): SqlValue[] => [w.id, w.at, w.bundleRevision]),
    );
  } else {
    for (const w of ws) {
      const r = await tx.get<Row>(`SELECT ${PREV_COLS} FROM devices WHERE id = ?`, [w.id]);
      if (r) prev.set(w.id, r);
      await tx.run(`UPDATE devices SET ${SETS} WHERE id = ?`, [w.at, w.bundleRevision, w.at, w.bundleRevision, w.bundleRevision, w.id]);
    }
  }
  const events = ws.map((w) => {
    const p = prev.get(w.id);
    if (!p) return null;
    let status: Record<string, unknown> = {};
    try {
      const v = JSON.parse(String(p.status_json ?? '{}')) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) status = v as Record<string, unknown>;
    } catch {
      status = {};
    }
    return healthChange(w.id, facts(p), w.bundleRevision, status, undefined, w.at);
  });
  return appendHealthEvents(tx, events);
}

/** PostgreSQL: the batch's rows as they were, locked in id order (two nodes writing overlapping batches cannot deadlock). */
async function lockPrevious(tx: SqlExecutor, ws: { id: string }[], prev: Map<string, Row>): Promise<void> {
  const rows = await tx.all<Row>(`SELECT ${PREV_COLS} FROM devices WHERE id IN (${ws.map(() => '?').join(', ')}) ORDER BY id FOR UPDATE`, ws.map((w) => w.id));
  for (const r of rows) prev.set(String(r.id), r);
}

/** Appends the health events a batch produced; per write, whether it had one. */
async function appendHealthEvents(tx: SqlExecutor, events: (NewIntegrationEvent | null)[]): Promise<boolean[]> {
  const real = events.filter((e): e is NewIntegrationEvent => e !== null);
  if (real.length > 0) await appendIntegrationEvents(tx, real);
  return events.map((e) => e !== null);
}
