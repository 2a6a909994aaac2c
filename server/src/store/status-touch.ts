// The cheap path of a status check-in whose content did not change since the device's last one.
// An agent reports the same status every cycle almost always (same bundle revision, no errors, the
// same decisions); recording it again costs a transaction that reads the row, rewrites it and
// derives a health event that says nothing changed. Instead the server keeps, per device, the
// SHA-256 of what it stored (status_hash: its own digest of the stored revision, status JSON and
// verdict — never a value the device sends), and check-ins arriving together are matched in one
// statement: last_seen_at moves for each device whose stored digest equals the digest of what it
// just sent. A device whose digest differs (its status changed, or another server node stored a
// different one meanwhile) takes the full path (SqlRepository.setDeviceStatus). The statement
// commits before anyone is answered, as every check-in is ("ack after commit").
import { createHash } from 'node:crypto';
import type { DeviceVerdict } from './types.ts';
import type { SqlDriver, SqlValue } from './sql-driver.ts';

/** Digest of a device's stored status: what setDeviceStatus writes to bundle_revision, status_json and the verdict columns. */
export function statusDigest(bundleRevision: string | null, statusJson: string, verdict: DeviceVerdict | undefined): string {
  const v = verdict ? [verdict.compliance, verdict.strictestAction, verdict.bannedTools.join(' ')] : null;
  return createHash('sha256').update(JSON.stringify([bundleRevision, statusJson, v])).digest('base64url');
}

interface Touch {
  id: string;
  at: number;
  digest: string;
  done: (matched: boolean) => void;
  fail: (err: unknown) => void;
}

// 3 parameters each: far below SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_BATCH = 500;
const BATCH_WAIT_MS = 2;

export class StatusTouches {
  private queue: Touch[] = [];
  private running = false;
  /** Batches run, check-ins recorded by them, and check-ins sent on to the full path. */
  readonly stats = { batches: 0, recorded: 0, missed: 0 };

  constructor(private readonly db: SqlDriver) {}

  /** Counts a check-in sent to the full path without being checked (its digest is known to differ). */
  skip(): void {
    this.stats.missed++;
  }

  /** True when the device's stored digest equals `digest` and its last_seen_at is now `at` (committed); false: take the full path. */
  touch(id: string, at: number, digest: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ id, at, digest, done: resolve, fail: reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Check-ins arriving within BATCH_WAIT_MS share one statement: a commit costs far more than
      // a row, and a repeat's answer waiting 2 ms more is nothing to an agent.
      await new Promise((r) => setTimeout(r, BATCH_WAIT_MS));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const matched = await this.apply(batch);
          this.stats.batches++;
          for (const t of batch) {
            const hit = matched.has(`${t.id} ${t.digest}`);
            this.stats[hit ? 'recorded' : 'missed']++;
            t.done(hit);
          }
        } catch (err) {
          for (const t of batch) t.fail(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** One UPDATE for the whole batch; returns `${id} ${digest}` for each check-in it recorded. */
  private async apply(batch: Touch[]): Promise<Set<string>> {
    // One row per device and digest, with its latest time (a device may check in twice in a batch).
    const rows = new Map<string, Touch>();
    for (const t of batch) {
      const k = `${t.id} ${t.digest}`;
      const seen = rows.get(k);
      if (!seen || t.at > seen.at) rows.set(k, t);
    }
    if (this.db.dialect === 'sqlite') {
      // Embedded: one transaction of primary-key updates through one prepared statement (microseconds
      // each; SQLite would plan an UPDATE … FROM a VALUES list as a scan of the devices table).
      return this.db.transaction(async (tx) => {
        const matched = new Set<string>();
        for (const [k, t] of rows) {
          if ((await tx.run('UPDATE devices SET last_seen_at = ? WHERE id = ? AND status_hash = ?', [t.at, t.id, t.digest])) > 0) matched.add(k);
        }
        return matched;
      });
    }
    // PostgreSQL: the whole batch in one statement (one round trip), joined on the primary key.
    const params: SqlValue[] = [...rows.values()].flatMap((t) => [t.id, t.digest, t.at]);
    const values = [...rows.values()].map(() => '(?, ?, ?)').join(', ');
    const out = await this.db.all<{ id: unknown; status_hash: unknown }>(
      `UPDATE devices SET last_seen_at = CAST(v.column3 AS BIGINT) FROM (VALUES ${values}) AS v WHERE devices.id = v.column1 AND devices.status_hash = v.column2 RETURNING devices.id AS id, devices.status_hash AS status_hash`,
      params,
    );
    return new Set(out.map((r) => `${String(r.id)} ${String(r.status_hash)}`));
  }
}
