// The repository written once in portable SQL (SQLite 3.45 and PostgreSQL 15 both speak it:
// ON CONFLICT, RETURNING-free, CAST). Each public method is one round of SQL or one transaction.
import { isUniqueViolation, type SqlDriver, type SqlExecutor, type SqlValue } from './sql-driver.ts';
import { MIGRATIONS, migrationSql } from './migrations.ts';
import { InventoryRollupCache } from './inventory-rollup.ts';
import { BatchCommit } from './group-commit.ts';
import { CredentialLookups } from './credential-lookup.ts';
import { writeApplied, writeStatuses, type AppliedWrite, type StatusWrite } from './status-sql.ts';
import { StatusTouches, statusDigest } from './status-touch.ts';
import { complianceHistory, fleetSummary, inventoryWhere, listFleetDevices, sampleCompliance } from './fleet-sql.ts';
import { EVENTS_CHANNEL, appendIntegrationEvents, type NewIntegrationEvent } from '../integrations/event-log.ts';
import { auditEvent, inventoryChange, type ItemFacts } from '../integrations/derive.ts';
import { insertEventBatch } from './events-sql.ts';
import type {
  ApiToken, AuditEntry, BanChange, BanEntryRecord, BanOp, BanVersion, ComplianceSample, CountRow, Device, DeviceInventoryRow,
  DeviceVerdict, EnrollToken, EventFilter, EventRow, ExceptionRecord, ExceptionState, FleetDeviceFilter, FleetSummary,
  InventoryFilter, InventoryGrouping, InventoryRow, NewDevice, Page, Repository, Role, StoredEvent, User,
} from './types.ts';

export type Row = Record<string, unknown>;

export const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
export const num = (v: unknown): number => Number(v);
export const optNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const optStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const json = (v: unknown): Record<string, unknown> => JSON.parse(str(v) || '{}') as Record<string, unknown>;
export const optJson = (v: unknown): Record<string, unknown> | null => (v === null || v === undefined ? null : json(v));

const MAX_PAGE = 1000;
export function page(p: Partial<Page> | undefined, dflt = 100): [number, number] {
  const limit = Math.min(Math.max(1, p?.limit ?? dflt), MAX_PAGE);
  return [limit, Math.max(0, p?.offset ?? 0)];
}

function toUser(r: Row): User {
  return { id: str(r.id), username: str(r.username), role: str(r.role) as Role, passwordHash: str(r.password_hash), createdAt: num(r.created_at), disabled: num(r.disabled) === 1 };
}
function toToken(r: Row): ApiToken {
  return { id: str(r.id), userId: str(r.user_id), name: str(r.name), secretHash: str(r.secret_hash), createdAt: num(r.created_at), expiresAt: optNum(r.expires_at), revokedAt: optNum(r.revoked_at) };
}
function toEnrollToken(r: Row): EnrollToken {
  return { id: str(r.id), secretHash: str(r.secret_hash), createdBy: str(r.created_by), createdAt: num(r.created_at), expiresAt: num(r.expires_at), usedAt: optNum(r.used_at), usedByDevice: optStr(r.used_by_device), note: str(r.note) };
}
function toDevice(r: Row): Device {
  return {
    id: str(r.id), hardwareId: str(r.hardware_id), hostname: str(r.hostname), platform: str(r.platform), agentVersion: str(r.agent_version),
    credentialId: str(r.credential_id), credentialHash: str(r.credential_hash), state: str(r.state) === 'revoked' ? 'revoked' : 'active',
    enrolledAt: num(r.enrolled_at), lastSeenAt: optNum(r.last_seen_at), revokedAt: optNum(r.revoked_at), bundleRevision: optStr(r.bundle_revision),
    status: optJson(r.status_json), inventorySeq: num(r.inventory_seq), inventoryAt: optNum(r.inventory_at), serial: optStr(r.serial),
    bundleAppliedAt: optNum(r.bundle_applied_at),
    compliance: r.compliance === 'compliant' || r.compliance === 'noncompliant' ? r.compliance : 'unknown',
    strictestAction: optStr(r.strictest_action),
    bannedTools: str(r.banned_tools).split(' ').filter((t) => t !== ''),
  };
}
function toItem(r: Row): InventoryRow {
  return { key: str(r.item_key), toolId: str(r.tool_id), name: str(r.name), vendor: str(r.vendor), version: str(r.version), kind: str(r.kind), detail: json(r.detail_json) };
}
function toEvent(r: Row): StoredEvent {
  return { seq: num(r.seq), deviceId: str(r.device_id), eventId: str(r.event_id), at: num(r.at), kind: str(r.kind), toolId: optStr(r.tool_id), action: optStr(r.action), detail: json(r.detail_json), receivedAt: num(r.received_at) };
}
function toBan(r: Row): BanEntryRecord {
  return { id: str(r.id), entry: json(r.entry_json), position: num(r.position), version: num(r.version), createdBy: str(r.created_by), createdAt: num(r.created_at), updatedBy: str(r.updated_by), updatedAt: num(r.updated_at), why: str(r.why) };
}
function toBanVersion(r: Row): BanVersion {
  return { revision: num(r.revision), entryId: str(r.entry_id), version: num(r.version), op: str(r.op) as BanOp, entry: optJson(r.entry_json), by: str(r.by_actor), at: num(r.at), why: str(r.why) };
}
function toException(r: Row): ExceptionRecord {
  return {
    id: str(r.id), deviceId: str(r.device_id), toolId: str(r.tool_id), reason: str(r.reason), requestedBy: str(r.requested_by), deviceReportedUser: optStr(r.device_reported_user), requestedDays: optNum(r.requested_days), requestedAt: num(r.requested_at),
    state: str(r.state) as ExceptionState, decidedBy: optStr(r.decided_by), decidedAt: optNum(r.decided_at), decisionNote: optStr(r.decision_note), expiresAt: optNum(r.expires_at),
  };
}
function toAudit(r: Row): AuditEntry {
  return { seq: num(r.seq), at: num(r.at), actor: str(r.actor), action: str(r.action), target: str(r.target), detail: json(r.detail_json), ip: str(r.ip) };
}

/** Thrown inside a transaction to roll it back and return a value. */
export class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

async function insertMany(tx: SqlExecutor, head: string, width: number, rows: SqlValue[][], tail = ''): Promise<number> {
  let changed = 0;
  // 50 rows per statement keeps parameters far below SQLite's 32,766 and PostgreSQL's 65,535.
  for (let i = 0; i < rows.length; i += 50) {
    const chunk = rows.slice(i, i + 50);
    const one = `(${Array.from({ length: width }, () => '?').join(',')})`;
    changed += await tx.run(`${head} VALUES ${chunk.map(() => one).join(',')} ${tail}`, chunk.flat());
  }
  return changed;
}

const ITEM_COLS = 'device_id, item_key, tool_id, name, vendor, version, kind, detail_json, updated_at, vendor_country, category, user_name';
const ITEM_WIDTH = 12;
const detailText = (it: InventoryRow, key: string, max: number): string => {
  const v = it.detail[key];
  return typeof v === 'string' ? v.slice(0, max) : '';
};
const itemValues = (deviceId: string, it: InventoryRow, at: number): SqlValue[] => [
  deviceId, it.key, it.toolId, it.name, it.vendor, it.version, it.kind, JSON.stringify(it.detail), at,
  detailText(it, 'vendor_country', 100), detailText(it, 'category', 100), detailText(it, 'user', 200),
];

/**
 * Per write of a committed batch, whether to announce integration events: once, at the batch's last
 * write that appended any, so webhook dispatchers look once per batch (a NOTIFY per check-in would be
 * a round trip each).
 */
function announceOnce(appended: boolean[]): boolean[] {
  const last = appended.lastIndexOf(true);
  return appended.map((_, i) => i === last);
}

export class SqlRepository implements Repository {
  private readonly rollup: InventoryRollupCache;
  /** Check-ins' status writes, committed together (group commit): one transaction per batch, not per check-in. */
  private readonly statusWrites: BatchCommit<StatusWrite, boolean>;
  /** Bundles applied, as agents report them on their push sockets: one transaction per batch. */
  private readonly appliedWrites: BatchCommit<AppliedWrite, boolean>;
  /** Check-ins repeating the stored status: one statement per batch moves their last_seen_at. */
  readonly statusTouches: StatusTouches;
  /** Device credential lookups gathered into one query per turn (PostgreSQL; null on SQLite). */
  readonly credentialLookups: CredentialLookups | null;
  /** Per device, the status digest this node last stored or matched (a hint; ~1 MB per 10,000 devices, emptied past 200,000). */
  private readonly statusDigests = new Map<string, string>();
  constructor(private readonly db: SqlDriver) {
    this.rollup = new InventoryRollupCache(db);
    this.statusWrites = new BatchCommit(
      db,
      async (tx, ws) => announceOnce(await writeStatuses(tx, db.dialect, ws)),
      (w) => w.id,
    );
    this.statusTouches = new StatusTouches(db);
    this.credentialLookups = db.dialect === 'postgres' ? new CredentialLookups(db) : null;
    this.appliedWrites = new BatchCommit(
      db,
      async (tx, ws) => announceOnce(await writeApplied(tx, db.dialect, ws)),
      (w) => w.id,
    );
  }

  get dialect() {
    return this.db.dialect;
  }
  /** Row lock for read-modify-write on PostgreSQL; SQLite's BEGIN IMMEDIATE already serializes writers. */
  private get forUpdate(): string {
    return this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
  }
  get driver(): SqlDriver {
    return this.db;
  }

  /** Appends integration events in the caller's transaction (integrations/event-log.ts). */
  private async emit(tx: SqlExecutor, events: (NewIntegrationEvent | null)[]): Promise<boolean> {
    const real = events.filter((e): e is NewIntegrationEvent => e !== null);
    if (real.length > 0) await appendIntegrationEvents(tx, real);
    return real.length > 0;
  }
  /** After the commit: webhook dispatchers on every node look for new events. */
  private announce(appended: boolean): void {
    if (appended) this.db.notify(EVENTS_CHANNEL, '').catch(() => undefined);
  }
  private async itemFacts(tx: SqlExecutor, deviceId: string): Promise<ItemFacts[]> {
    return (await tx.all<Row>('SELECT item_key, tool_id, version FROM inventory_items WHERE device_id = ?', [deviceId])).map((r) => ({ key: str(r.item_key), toolId: str(r.tool_id), version: str(r.version) }));
  }

  async migrate(): Promise<void> {
    await this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    await this.db.transaction(async (tx) => {
      // Several server processes may start at once against one PostgreSQL: one migrates, the rest wait.
      if (this.db.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(7771001)');
      const done = new Set((await tx.all<Row>('SELECT version FROM schema_migrations')).map((r) => num(r.version)));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await tx.exec(migrationSql(m, this.db.dialect));
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
      }
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }

  listen(channel: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, onMessage, onReconnect);
  }
  notify(channel: string, payload: string): Promise<void> {
    return this.db.notify(channel, payload);
  }

  async getSetting(key: string): Promise<string | null> {
    const r = await this.db.get<Row>('SELECT value FROM settings WHERE key = ?', [key]);
    return r ? str(r.value) : null;
  }
  async setSetting(key: string, value: string): Promise<void> {
    await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async bumpCounter(key: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.run("INSERT INTO settings (key, value) VALUES (?, '0') ON CONFLICT (key) DO NOTHING", [key]);
      await tx.run('UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = ?', [key]);
      return num((await tx.get<Row>('SELECT value FROM settings WHERE key = ?', [key]))?.value);
    });
  }

  // ---- users and API tokens
  async createUser(u: User): Promise<void> {
    await this.db.run('INSERT INTO users (id, username, role, password_hash, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?)', [u.id, u.username, u.role, u.passwordHash, u.createdAt, u.disabled ? 1 : 0]);
  }
  async getUserById(id: string): Promise<User | null> {
    const r = await this.db.get<Row>('SELECT * FROM users WHERE id = ?', [id]);
    return r ? toUser(r) : null;
  }
  async getUserByName(username: string): Promise<User | null> {
    const r = await this.db.get<Row>('SELECT * FROM users WHERE username = ?', [username]);
    return r ? toUser(r) : null;
  }
  async listUsers(): Promise<User[]> {
    return (await this.db.all<Row>('SELECT * FROM users ORDER BY username')).map(toUser);
  }
  async countUsers(): Promise<number> {
    return num((await this.db.get<Row>('SELECT COUNT(*) AS n FROM users'))?.n ?? 0);
  }
  async updateUser(id: string, patch: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<boolean> {
    const sets: string[] = [];
    const vals: SqlValue[] = [];
    if (patch.role !== undefined) {
      sets.push('role = ?');
      vals.push(patch.role);
    }
    if (patch.disabled !== undefined) {
      sets.push('disabled = ?');
      vals.push(patch.disabled ? 1 : 0);
    }
    if (patch.passwordHash !== undefined) {
      sets.push('password_hash = ?');
      vals.push(patch.passwordHash);
    }
    if (sets.length === 0) return (await this.getUserById(id)) !== null;
    return (await this.db.run(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, [...vals, id])) > 0;
  }

  async createApiToken(t: ApiToken): Promise<void> {
    await this.db.run('INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [t.id, t.userId, t.name, t.secretHash, t.createdAt, t.expiresAt, t.revokedAt]);
  }
  async getApiToken(id: string): Promise<ApiToken | null> {
    const r = await this.db.get<Row>('SELECT * FROM api_tokens WHERE id = ?', [id]);
    return r ? toToken(r) : null;
  }
  async listApiTokens(userId?: string): Promise<ApiToken[]> {
    const rows = userId === undefined
      ? await this.db.all<Row>('SELECT * FROM api_tokens ORDER BY created_at')
      : await this.db.all<Row>('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at', [userId]);
    return rows.map(toToken);
  }
  async revokeApiToken(id: string, at: number): Promise<boolean> {
    return (await this.db.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])) > 0;
  }
  async revokeUserTokens(userId: string, at: number): Promise<number> {
    return this.db.run('UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL', [at, userId]);
  }

  // ---- enrollment and devices
  async createEnrollToken(t: EnrollToken): Promise<void> {
    await this.db.run('INSERT INTO enroll_tokens (id, secret_hash, created_by, created_at, expires_at, used_at, used_by_device, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [t.id, t.secretHash, t.createdBy, t.createdAt, t.expiresAt, t.usedAt, t.usedByDevice, t.note]);
  }
  async getEnrollToken(id: string): Promise<EnrollToken | null> {
    const r = await this.db.get<Row>('SELECT * FROM enroll_tokens WHERE id = ?', [id]);
    return r ? toEnrollToken(r) : null;
  }
  async listEnrollTokens(): Promise<EnrollToken[]> {
    return (await this.db.all<Row>('SELECT * FROM enroll_tokens ORDER BY created_at')).map(toEnrollToken);
  }

  async enrollDevice(
    d: NewDevice,
    enrollTokenId: string | null,
  ): Promise<{ device: Device; reenrolled: boolean } | { refused: 'token-used' | 'revoked' }> {
    try {
      return await this.enrollOnce(d, enrollTokenId);
    } catch (err) {
      // Two first enrollments of one machine raced to INSERT: the loser now finds the row and re-enrolls.
      if (isUniqueViolation(err)) return this.enrollOnce(d, enrollTokenId);
      throw err;
    }
  }

  private async enrollOnce(
    d: NewDevice,
    enrollTokenId: string | null,
  ): Promise<{ device: Device; reenrolled: boolean } | { refused: 'token-used' | 'revoked' }> {
    try {
      return await this.db.transaction(async (tx) => {
        const existing = await tx.get<Row>(`SELECT * FROM devices WHERE hardware_id = ?${this.forUpdate}`, [d.hardwareId]);
        // A revoked machine comes back only with a one-time token an admin issued on purpose.
        if (existing && str(existing.state) === 'revoked' && enrollTokenId === null) throw new Rollback({ refused: 'revoked' as const });
        const id = existing ? str(existing.id) : d.newId;
        if (enrollTokenId !== null) {
          const used = await tx.run('UPDATE enroll_tokens SET used_at = ?, used_by_device = ? WHERE id = ? AND used_at IS NULL', [d.enrolledAt, id, enrollTokenId]);
          if (used === 0) throw new Rollback({ refused: 'token-used' as const });
        }
        if (existing) {
          await tx.run(
            "UPDATE devices SET hostname = ?, platform = ?, agent_version = ?, credential_id = ?, credential_hash = ?, state = 'active', revoked_at = NULL WHERE id = ?",
            [d.hostname, d.platform, d.agentVersion, d.credentialId, d.credentialHash, id],
          );
        } else {
          await tx.run(
            "INSERT INTO devices (id, hardware_id, hostname, platform, agent_version, credential_id, credential_hash, state, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)",
            [id, d.hardwareId, d.hostname, d.platform, d.agentVersion, d.credentialId, d.credentialHash, d.enrolledAt],
          );
        }
        const row = await tx.get<Row>('SELECT * FROM devices WHERE id = ?', [id]);
        if (!row) throw new Error('device vanished during enrollment');
        return { device: toDevice(row), reenrolled: existing !== undefined };
      });
    } catch (err) {
      if (err instanceof Rollback) return err.value as { refused: 'token-used' | 'revoked' };
      throw err;
    }
  }

  async getDevice(id: string): Promise<Device | null> {
    const r = await this.db.get<Row>('SELECT * FROM devices WHERE id = ?', [id]);
    return r ? toDevice(r) : null;
  }
  async getDeviceByCredentialId(credentialId: string): Promise<Device | null> {
    const r = await this.db.get<Row>('SELECT * FROM devices WHERE credential_id = ?', [credentialId]);
    return r ? toDevice(r) : null;
  }
  async getDeviceCredential(credentialId: string): Promise<{ id: string; state: 'active' | 'revoked'; credentialHash: string } | null> {
    // PostgreSQL: lookups arriving together share one query (a round trip each otherwise); SQLite is in-process.
    if (this.credentialLookups) return this.credentialLookups.get(credentialId);
    const r = await this.db.get<Row>('SELECT id, state, credential_hash FROM devices WHERE credential_id = ?', [credentialId]);
    return r ? { id: str(r.id), state: str(r.state) === 'active' ? 'active' : 'revoked', credentialHash: str(r.credential_hash) } : null;
  }
  async listDevices(p?: Partial<Page>): Promise<Device[]> {
    const [limit, offset] = page(p, MAX_PAGE);
    return (await this.db.all<Row>('SELECT * FROM devices ORDER BY hostname, id LIMIT ? OFFSET ?', [limit, offset])).map(toDevice);
  }
  async countDevices(): Promise<number> {
    return num((await this.db.get<Row>('SELECT COUNT(*) AS n FROM devices'))?.n ?? 0);
  }
  async bundleRollout(revision: string): Promise<{ active: number; current: number }> {
    const r = await this.db.get<Row>("SELECT COUNT(*) AS active, COALESCE(SUM(CASE WHEN bundle_revision = ? THEN 1 ELSE 0 END), 0) AS current FROM devices WHERE state = 'active'", [revision]);
    return { active: num(r?.active ?? 0), current: num(r?.current ?? 0) };
  }
  async revokeDevice(id: string, at: number): Promise<boolean> {
    return (await this.db.run("UPDATE devices SET state = 'revoked', revoked_at = ? WHERE id = ? AND state = 'active'", [at, id])) > 0;
  }
  async updateDeviceHost(id: string, hostname: string, platform: string, serial: string | null = null): Promise<void> {
    await this.db.run(
      "UPDATE devices SET hostname = ?, platform = ?, serial = ? WHERE id = ? AND (hostname <> ? OR platform <> ? OR COALESCE(serial, '') <> ?)",
      [hostname, platform, serial, id, hostname, platform, serial ?? ''],
    );
  }
  async touchDevice(id: string, at: number): Promise<void> {
    await this.db.run('UPDATE devices SET last_seen_at = ? WHERE id = ?', [at, id]);
  }
  async setDeviceStatus(id: string, at: number, bundleRevision: string | null, status: Record<string, unknown>, verdict?: DeviceVerdict): Promise<void> {
    const statusJson = JSON.stringify(status);
    // The same status as the one stored (the server's own digest of it): only last_seen_at moves.
    const digest = statusDigest(bundleRevision, statusJson, verdict);
    // The digest this node last stored for the device is only a hint (the database decides): a status
    // known to differ — a rollout's acknowledgement — skips the check and is written in full at once.
    const hint = this.statusDigests.get(id);
    if (hint === undefined || hint === digest) {
      if (await this.statusTouches.touch(id, at, digest)) return this.rememberDigest(id, digest);
    } else this.statusTouches.skip();
    // Written in full, committed together with other check-ins arriving at the same time (status-sql.ts).
    const appended = await this.statusWrites.run({ id, at, bundleRevision, status, statusJson, digest, verdict });
    this.rememberDigest(id, digest);
    this.announce(appended);
  }
  async recordBundleApplied(id: string, at: number, bundleRevision: string): Promise<void> {
    this.announce(await this.appliedWrites.run({ id, at, bundleRevision }));
  }
  private rememberDigest(id: string, digest: string): void {
    if (this.statusDigests.size >= 200_000 && !this.statusDigests.has(id)) this.statusDigests.clear();
    this.statusDigests.set(id, digest);
  }
  async listFleetDevices(f: FleetDeviceFilter): Promise<{ total: number; devices: Device[] }> {
    const [limit, offset] = page(f);
    const r = await listFleetDevices(this.db, f, limit, offset);
    return { total: r.total, devices: r.rows.map(toDevice) };
  }
  fleetSummary(seenSince: number): Promise<FleetSummary> {
    return fleetSummary(this.db, seenSince);
  }
  sampleCompliance(at: number, currentRevision: string | null, minGapMs: number): Promise<ComplianceSample | null> {
    return this.db.transaction((tx) => sampleCompliance(tx, at, currentRevision, minGapMs));
  }
  complianceHistory(since: number): Promise<ComplianceSample[]> {
    return complianceHistory(this.db, since);
  }

  // ---- inventory
  async replaceInventory(deviceId: string, seq: number, items: InventoryRow[], at: number): Promise<'ok' | 'stale'> {
    let appended = false;
    const out = await this.db.transaction(async (tx) => {
      const cur = await tx.get<Row>(`SELECT inventory_seq, hostname FROM devices WHERE id = ?${this.forUpdate}`, [deviceId]);
      if (!cur) throw new Error(`unknown device ${deviceId}`);
      if (seq < num(cur.inventory_seq)) return 'stale' as const;
      const before = await this.itemFacts(tx, deviceId);
      await tx.run('DELETE FROM inventory_items WHERE device_id = ?', [deviceId]);
      await insertMany(tx, `INSERT INTO inventory_items (${ITEM_COLS})`, ITEM_WIDTH, items.map((it) => itemValues(deviceId, it, at)));
      await tx.run('UPDATE devices SET inventory_seq = ?, inventory_at = ?, last_seen_at = ? WHERE id = ?', [seq, at, at, deviceId]);
      appended = await this.emit(tx, [inventoryChange(deviceId, str(cur.hostname), seq, before, items.map((i) => ({ key: i.key, toolId: i.toolId, version: i.version })), at)]);
      return 'ok' as const;
    });
    this.announce(appended);
    return out;
  }

  async applyInventoryDelta(deviceId: string, baseSeq: number, seq: number, upserts: InventoryRow[], removedKeys: string[], at: number): Promise<'ok' | 'stale' | 'gap'> {
    let appended = false;
    const out = await this.db.transaction(async (tx): Promise<'ok' | 'stale' | 'gap'> => {
      const cur = await tx.get<Row>(`SELECT inventory_seq, hostname FROM devices WHERE id = ?${this.forUpdate}`, [deviceId]);
      if (!cur) throw new Error(`unknown device ${deviceId}`);
      const stored = num(cur.inventory_seq);
      if (seq === stored && seq > baseSeq) return 'ok'; // the same delta re-sent: already applied
      if (seq < stored) return 'stale';
      if (stored !== baseSeq) return 'gap';
      const before = await this.itemFacts(tx, deviceId);
      await insertMany(
        tx,
        `INSERT INTO inventory_items (${ITEM_COLS})`,
        ITEM_WIDTH,
        upserts.map((it) => itemValues(deviceId, it, at)),
        'ON CONFLICT (device_id, item_key) DO UPDATE SET tool_id = excluded.tool_id, name = excluded.name, vendor = excluded.vendor, version = excluded.version, kind = excluded.kind, detail_json = excluded.detail_json, updated_at = excluded.updated_at, vendor_country = excluded.vendor_country, category = excluded.category, user_name = excluded.user_name',
      );
      for (const key of removedKeys) await tx.run('DELETE FROM inventory_items WHERE device_id = ? AND item_key = ?', [deviceId, key]);
      await tx.run('UPDATE devices SET inventory_seq = ?, inventory_at = ?, last_seen_at = ? WHERE id = ?', [seq, at, at, deviceId]);
      appended = await this.emit(tx, [inventoryChange(deviceId, str(cur.hostname), seq, before, await this.itemFacts(tx, deviceId), at)]);
      return 'ok';
    });
    this.announce(appended);
    return out;
  }

  async getInventory(deviceId: string): Promise<InventoryRow[]> {
    return (await this.db.all<Row>('SELECT * FROM inventory_items WHERE device_id = ? ORDER BY tool_id, item_key', [deviceId])).map(toItem);
  }

  async getInventories(deviceIds: string[]): Promise<Map<string, InventoryRow[]>> {
    const out = new Map<string, InventoryRow[]>(deviceIds.map((id) => [id, []]));
    for (let i = 0; i < deviceIds.length; i += 500) {
      const ids = deviceIds.slice(i, i + 500);
      const rows = await this.db.all<Row>(`SELECT * FROM inventory_items WHERE device_id IN (${ids.map(() => '?').join(',')}) ORDER BY device_id, tool_id, item_key`, ids);
      for (const r of rows) out.get(str(r.device_id))?.push(toItem(r));
    }
    return out;
  }

  async queryInventory(f: InventoryFilter): Promise<DeviceInventoryRow[]> {
    const w = inventoryWhere(f, this.db.dialect);
    const [limit, offset] = page(f, MAX_PAGE);
    const rows = await this.db.all<Row>(
      `SELECT i.*, d.hostname FROM inventory_items i JOIN devices d ON d.id = i.device_id WHERE ${w.sql} ORDER BY d.hostname, i.device_id, i.tool_id, i.item_key LIMIT ? OFFSET ?`,
      [...w.vals, limit, offset],
    );
    return rows.map((r) => ({ ...toItem(r), deviceId: str(r.device_id), hostname: str(r.hostname), updatedAt: num(r.updated_at) }));
  }
  async countInventory(f: InventoryFilter): Promise<number> {
    const w = inventoryWhere(f, this.db.dialect);
    return num((await this.db.get<Row>(`SELECT COUNT(*) AS n FROM inventory_items i JOIN devices d ON d.id = i.device_id WHERE ${w.sql}`, w.vals))?.n ?? 0);
  }

  async inventoryReport(by: InventoryGrouping): Promise<CountRow[]> {
    // all but the per-device report: one cached pass over the inventory (inventory-rollup.ts)
    if (by !== 'device') return (await this.rollup.get())[by];
    const from = "FROM inventory_items i JOIN devices d ON d.id = i.device_id AND d.state = 'active'";
    const sql: Record<InventoryGrouping, string> = {
      tool: `SELECT i.tool_id AS tool_id, MAX(i.name) AS name, MAX(i.vendor) AS vendor, COUNT(DISTINCT i.device_id) AS devices, COUNT(*) AS installs ${from} GROUP BY i.tool_id ORDER BY devices DESC, tool_id`,
      version: `SELECT i.tool_id AS tool_id, MAX(i.name) AS name, i.version AS version, COUNT(DISTINCT i.device_id) AS devices, COUNT(*) AS installs ${from} GROUP BY i.tool_id, i.version ORDER BY tool_id, version`,
      vendor: `SELECT i.vendor AS vendor, COUNT(DISTINCT i.tool_id) AS tools, COUNT(DISTINCT i.device_id) AS devices, COUNT(*) AS installs ${from} GROUP BY i.vendor ORDER BY devices DESC, vendor`,
      vendor_country: `SELECT i.vendor_country AS vendor_country, COUNT(DISTINCT i.vendor) AS vendors, COUNT(DISTINCT i.tool_id) AS tools, COUNT(DISTINCT i.device_id) AS devices, COUNT(*) AS installs ${from} GROUP BY i.vendor_country ORDER BY devices DESC, vendor_country`,
      device: `SELECT d.id AS device_id, d.hostname AS hostname, d.platform AS platform, COUNT(DISTINCT i.tool_id) AS tools, COUNT(i.item_key) AS installs, 1 AS devices FROM devices d LEFT JOIN inventory_items i ON i.device_id = d.id WHERE d.state = 'active' GROUP BY d.id, d.hostname, d.platform ORDER BY hostname, device_id`,
    };
    const rows = await this.db.all<Row>(sql[by]);
    return rows.map((r) => {
      const out: CountRow = { devices: num(r.devices) };
      for (const [k, v] of Object.entries(r)) out[k] = typeof v === 'number' || typeof v === 'bigint' ? Number(v) : str(v);
      return out;
    });
  }

  // ---- events
  async insertEvents(deviceId: string, batchId: string, events: EventRow[], at: number): Promise<{ stored: number; duplicate: boolean }> {
    const out = await this.db.transaction((tx) => insertEventBatch(tx, deviceId, batchId, events, at));
    this.announce(out.appended);
    return { stored: out.stored, duplicate: out.duplicate };
  }

  async queryEvents(f: EventFilter): Promise<StoredEvent[]> {
    const where: string[] = ['1 = 1'];
    const vals: SqlValue[] = [];
    if (f.deviceId !== undefined) {
      where.push('device_id = ?');
      vals.push(f.deviceId);
    }
    if (f.kind !== undefined) {
      where.push('kind = ?');
      vals.push(f.kind);
    }
    if (f.since !== undefined) {
      where.push('at >= ?');
      vals.push(f.since);
    }
    if (f.beforeSeq !== undefined) {
      where.push('seq < ?');
      vals.push(f.beforeSeq);
    }
    const [limit, offset] = page(f, MAX_PAGE);
    const order = f.newestFirst === true ? 'seq DESC' : 'seq';
    return (await this.db.all<Row>(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ? OFFSET ?`, [...vals, limit, offset])).map(toEvent);
  }
  async countEvents(): Promise<number> {
    return num((await this.db.get<Row>('SELECT COUNT(*) AS n FROM events'))?.n ?? 0);
  }

  // ---- ban list
  async listBans(): Promise<BanEntryRecord[]> {
    return (await this.db.all<Row>('SELECT * FROM ban_entries ORDER BY position, id')).map(toBan);
  }
  async getBan(id: string): Promise<BanEntryRecord | null> {
    const r = await this.db.get<Row>('SELECT * FROM ban_entries WHERE id = ?', [id]);
    return r ? toBan(r) : null;
  }
  async banRevision(): Promise<number> {
    return num((await this.getSetting('ban_revision')) ?? 0);
  }

  async changeBans(changes: BanChange[], by: string, at: number, expectRevision?: number): Promise<{ revision: number } | 'conflict' | { missing: string } | { exists: string }> {
    type Out = { revision: number } | 'conflict' | { missing: string } | { exists: string };
    try {
      return await this.db.transaction<Out>(async (tx) => {
        // The UPDATE takes the row lock first (PostgreSQL) / the write lock (SQLite), so concurrent
        // publishers serialize here and the compare-and-set below is exact.
        await tx.run("UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'ban_revision'");
        const revision = num((await tx.get<Row>("SELECT value FROM settings WHERE key = 'ban_revision'"))?.value);
        if (expectRevision !== undefined && revision - 1 !== expectRevision) throw new Rollback<Out>('conflict');
        if (changes.length === 0) throw new Rollback<Out>({ revision: revision - 1 });
        for (const c of changes) {
          const cur = await tx.get<Row>('SELECT * FROM ban_entries WHERE id = ?', [c.id]);
          let version = 1;
          if (c.op === 'create') {
            if (cur) throw new Rollback<Out>({ exists: c.id });
            const last = num((await tx.get<Row>('SELECT COALESCE(MAX(position), -1) AS p FROM ban_entries'))?.p ?? -1);
            await tx.run('INSERT INTO ban_entries (id, entry_json, position, version, created_by, created_at, updated_by, updated_at, why) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)', [c.id, JSON.stringify(c.entry), c.position ?? last + 1, by, at, by, at, c.why]);
          } else {
            if (!cur) throw new Rollback<Out>({ missing: c.id });
            version = num(cur.version) + 1;
            if (c.op === 'update') {
              await tx.run('UPDATE ban_entries SET entry_json = ?, position = ?, version = ?, updated_by = ?, updated_at = ?, why = ? WHERE id = ?', [JSON.stringify(c.entry), c.position ?? num(cur.position), version, by, at, c.why, c.id]);
            } else {
              await tx.run('DELETE FROM ban_entries WHERE id = ?', [c.id]);
            }
          }
          await tx.run('INSERT INTO ban_versions (revision, entry_id, version, op, entry_json, by_actor, at, why) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [revision, c.id, version, c.op, c.op === 'delete' ? null : JSON.stringify(c.entry), by, at, c.why]);
        }
        return { revision };
      });
    } catch (err) {
      if (err instanceof Rollback) return err.value as Out;
      throw err;
    }
  }

  async banHistory(entryId?: string, p?: Partial<Page>): Promise<BanVersion[]> {
    const [limit, offset] = page(p, MAX_PAGE);
    const rows = entryId === undefined
      ? await this.db.all<Row>('SELECT * FROM ban_versions ORDER BY seq DESC LIMIT ? OFFSET ?', [limit, offset])
      : await this.db.all<Row>('SELECT * FROM ban_versions WHERE entry_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?', [entryId, limit, offset]);
    return rows.map(toBanVersion);
  }

  // ---- exceptions
  async createException(e: ExceptionRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO exceptions (id, device_id, tool_id, reason, requested_by, device_reported_user, requested_days, requested_at, state, decided_by, decided_at, decision_note, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [e.id, e.deviceId, e.toolId, e.reason, e.requestedBy, e.deviceReportedUser ?? null, e.requestedDays ?? null, e.requestedAt, e.state, e.decidedBy, e.decidedAt, e.decisionNote, e.expiresAt],
    );
  }
  async getException(id: string): Promise<ExceptionRecord | null> {
    const r = await this.db.get<Row>('SELECT * FROM exceptions WHERE id = ?', [id]);
    return r ? toException(r) : null;
  }
  async listExceptions(f?: { deviceId?: string; state?: ExceptionState; expiresBefore?: number } & Partial<Page>): Promise<ExceptionRecord[]> {
    const where: string[] = ['1 = 1'];
    const vals: SqlValue[] = [];
    if (f?.deviceId !== undefined) {
      where.push('e.device_id = ?');
      vals.push(f.deviceId);
    }
    if (f?.state !== undefined) {
      where.push('e.state = ?');
      vals.push(f.state);
    }
    if (f?.expiresBefore !== undefined) {
      where.push('e.expires_at IS NOT NULL AND e.expires_at < ?');
      vals.push(f.expiresBefore);
    }
    const [limit, offset] = page(f, MAX_PAGE);
    const rows = await this.db.all<Row>(`SELECT e.*, d.hostname AS hostname FROM exceptions e LEFT JOIN devices d ON d.id = e.device_id WHERE ${where.join(' AND ')} ORDER BY e.requested_at, e.id LIMIT ? OFFSET ?`, [...vals, limit, offset]);
    return rows.map((r) => ({ ...toException(r), hostname: str(r.hostname) }));
  }
  async decideException(id: string, state: 'approved' | 'denied', by: string, at: number, note: string, expiresAt: number | null): Promise<boolean> {
    return (await this.db.run("UPDATE exceptions SET state = ?, decided_by = ?, decided_at = ?, decision_note = ?, expires_at = ? WHERE id = ? AND state = 'pending'", [state, by, at, note, expiresAt, id])) > 0;
  }
  async expireExceptions(now: number): Promise<ExceptionRecord[]> {
    // One statement with RETURNING: when several nodes sweep at once, each row expires on exactly one.
    const rows = await this.db.all<Row>("UPDATE exceptions SET state = 'expired' WHERE state = 'approved' AND expires_at IS NOT NULL AND expires_at <= ? RETURNING *", [now]);
    return rows.map(toException).sort((a, b) => a.id.localeCompare(b.id));
  }

  // ---- audit
  async appendAudit(e: Omit<AuditEntry, 'seq'>): Promise<void> {
    // The audit entry and its integration event (audit.<action>) commit together.
    await this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO audit_log (at, actor, action, target, detail_json, ip) VALUES (?, ?, ?, ?, ?, ?)', [e.at, e.actor, e.action, e.target, JSON.stringify(e.detail), e.ip]);
      await this.emit(tx, [auditEvent(e)]);
    });
    this.announce(true);
  }
  /** The audit log after `after`, oldest first (the SIEM export's resumable cursor). */
  async auditAfter(after: number, limit: number): Promise<AuditEntry[]> {
    return (await this.db.all<Row>('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?', [after, Math.min(Math.max(1, limit), MAX_PAGE)])).map(toAudit);
  }
  async listAudit(f?: { actor?: string; action?: string } & Partial<Page>): Promise<AuditEntry[]> {
    const where: string[] = ['1 = 1'];
    const vals: SqlValue[] = [];
    if (f?.actor !== undefined) {
      where.push('actor = ?');
      vals.push(f.actor);
    }
    if (f?.action !== undefined) {
      where.push('action = ?');
      vals.push(f.action);
    }
    const [limit, offset] = page(f, MAX_PAGE);
    return (await this.db.all<Row>(`SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ? OFFSET ?`, [...vals, limit, offset])).map(toAudit);
  }
}
