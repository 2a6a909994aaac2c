// The one repository interface the server talks to. Two real implementations share it:
// SqlRepository over SQLite (libsql, the embedded default) and over PostgreSQL (pg).
// Times are epoch milliseconds; JSON-valued fields are parsed objects.

// 'scim' is the identity provider's provisioning client: it may call /scim/v2 and nothing else.
// 'siem' is a SIEM forwarder: it may read the event stream and the audit export and nothing else.
export type Role = 'admin' | 'policy-editor' | 'auditor' | 'scim' | 'siem';
export const ROLES: readonly Role[] = ['admin', 'policy-editor', 'auditor', 'scim', 'siem'];

export interface User {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
  disabled: boolean;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  secretHash: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface EnrollToken {
  id: string;
  secretHash: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedByDevice: string | null;
  note: string;
}

export type DeviceState = 'active' | 'revoked';

/** From the decisions the device's agent last reported: does it still hold a banned tool? */
export type Compliance = 'compliant' | 'noncompliant' | 'unknown';

/** A device's verdict, derived from its agent's reported decisions at check-in. */
export interface DeviceVerdict {
  compliance: Exclude<Compliance, 'unknown'>;
  strictestAction: string;
  bannedTools: string[];
}

export interface Device {
  id: string;
  hardwareId: string;
  hostname: string;
  platform: string;
  agentVersion: string;
  credentialId: string;
  credentialHash: string;
  state: DeviceState;
  enrolledAt: number;
  lastSeenAt: number | null;
  revokedAt: number | null;
  bundleRevision: string | null;
  /** Last status the agent reported (errors, counters), as sent. */
  status: Record<string, unknown> | null;
  inventorySeq: number;
  inventoryAt: number | null;
  /** Serial number the latest full inventory reported (device-group rules can list serials). */
  serial: string | null;
  /** When the agent first reported the bundle revision it now reports. */
  bundleAppliedAt: number | null;
  compliance: Compliance;
  strictestAction: string | null;
  bannedTools: string[];
}

/** What enrollment knows of a device; the rest starts empty. */
export type NewDevice = Omit<Device, 'id' | 'state' | 'lastSeenAt' | 'revokedAt' | 'bundleRevision' | 'status' | 'inventorySeq' | 'inventoryAt' | 'serial' | 'bundleAppliedAt' | 'compliance' | 'strictestAction' | 'bannedTools'> & { newId: string };

export interface InventoryRow {
  /** Stable key of the item within its device (tool id + install path). */
  key: string;
  toolId: string;
  name: string;
  vendor: string;
  version: string;
  kind: string;
  /** The item as the agent sent it (wire inventory item). */
  detail: Record<string, unknown>;
}

export interface DeviceInventoryRow extends InventoryRow {
  deviceId: string;
  hostname: string;
  updatedAt: number;
}

export interface EventRow {
  eventId: string;
  at: number;
  kind: string;
  toolId: string | null;
  action: string | null;
  detail: Record<string, unknown>;
}

export interface StoredEvent extends EventRow {
  seq: number;
  deviceId: string;
  receivedAt: number;
}

export interface BanEntryRecord {
  id: string;
  entry: Record<string, unknown>;
  /** Order in the list (ties between equally strict rules go to the earlier one). */
  position: number;
  version: number;
  createdBy: string;
  createdAt: number;
  updatedBy: string;
  updatedAt: number;
  why: string;
}

export type BanOp = 'create' | 'update' | 'delete';

export interface BanVersion {
  revision: number;
  entryId: string;
  version: number;
  op: BanOp;
  entry: Record<string, unknown> | null;
  by: string;
  at: number;
  why: string;
}

export interface BanChange {
  op: BanOp;
  id: string;
  entry: Record<string, unknown> | null;
  why: string;
  /** create: defaults to after the last entry; update: unchanged when absent. */
  position?: number;
}

export type ExceptionState = 'pending' | 'approved' | 'denied' | 'expired';

export interface ExceptionRecord {
  id: string;
  deviceId: string;
  toolId: string;
  reason: string;
  /** Who asked, as the server proved it: `device:<id>` (agent route) or `user:<name>` (admin API). */
  requestedBy: string;
  /** The local OS user the device says asked (a claim of the device, never an identity). */
  deviceReportedUser?: string | null;
  /** How many days the employee asked for (agent route), null when not given. */
  requestedDays?: number | null;
  requestedAt: number;
  state: ExceptionState;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  expiresAt: number | null;
  /** The device's hostname, when listed (listExceptions). */
  hostname?: string;
}

export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  ip: string;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface InventoryFilter extends Partial<Page> {
  toolId?: string;
  vendor?: string;
  vendorCountry?: string;
  category?: string;
  version?: string;
  deviceId?: string;
  user?: string;
  /** Substring of the hostname (case-insensitive). */
  hostname?: string;
  /** Only these devices (a device group, groups/scope.ts); bound as one parameter, any size. */
  deviceIds?: string[];
  /** Only installs these OS logins own (lower-cased; a user group, groups/scope.ts). */
  logins?: string[];
}

export interface FleetDeviceFilter extends Partial<Page> {
  compliance?: Compliance;
  /** Substring of the hostname (case-insensitive). */
  hostname?: string;
  /** With currentRevision: devices that applied it ('current') or not yet ('behind'). */
  bundle?: 'current' | 'behind';
  currentRevision?: string | null;
  state?: DeviceState;
}

export interface FleetSummary {
  devices: number;
  active: number;
  revoked: number;
  seenSince: number;
  compliance: Record<Compliance, number>;
  agentVersions: { version: string; devices: number }[];
  bundleRevisions: { revision: string | null; devices: number }[];
  platforms: { platform: string; devices: number }[];
}

export interface ComplianceSample {
  at: number;
  devices: number;
  compliant: number;
  noncompliant: number;
  unknown: number;
  bundleCurrent: number;
  bundleRevision: string | null;
}

export interface EventFilter extends Partial<Page> {
  deviceId?: string;
  kind?: string;
  since?: number;
  /** Only events stored before this seq (a cursor for paging newest first). */
  beforeSeq?: number;
  /** Newest first (seq descending); the default is oldest first. */
  newestFirst?: boolean;
}

export interface CountRow {
  [column: string]: string | number;
  devices: number;
}

export type InventoryGrouping = 'tool' | 'version' | 'vendor' | 'vendor_country' | 'device';

export interface Repository {
  readonly dialect: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Cross-node messages (PostgreSQL LISTEN/NOTIFY; in-process for SQLite). */
  listen(channel: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;

  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  /** Atomically increments an integer setting (created at 0) and returns the new value. */
  bumpCounter(key: string): Promise<number>;

  createUser(u: User): Promise<void>;
  getUserById(id: string): Promise<User | null>;
  getUserByName(username: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  countUsers(): Promise<number>;
  updateUser(id: string, patch: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<boolean>;

  createApiToken(t: ApiToken): Promise<void>;
  getApiToken(id: string): Promise<ApiToken | null>;
  listApiTokens(userId?: string): Promise<ApiToken[]>;
  revokeApiToken(id: string, at: number): Promise<boolean>;
  /** Revokes every live API token of a user (login sessions included); returns how many. */
  revokeUserTokens(userId: string, at: number): Promise<number>;

  createEnrollToken(t: EnrollToken): Promise<void>;
  getEnrollToken(id: string): Promise<EnrollToken | null>;
  listEnrollTokens(): Promise<EnrollToken[]>;

  /**
   * Enrolls (or re-enrolls) the device with this hardware id in one transaction: a consumed
   * one-time token (if given) is marked used only when the enrollment succeeds.
   * Returns null when the one-time token was already used (race) or the device is revoked and no
   * token was given.
   */
  enrollDevice(d: NewDevice, enrollTokenId: string | null): Promise<{ device: Device; reenrolled: boolean } | { refused: 'token-used' | 'revoked' }>;
  getDevice(id: string): Promise<Device | null>;
  getDeviceByCredentialId(credentialId: string): Promise<Device | null>;
  /** What verifying a device credential needs, and nothing else (no status JSON to parse on every check-in). */
  getDeviceCredential(credentialId: string): Promise<{ id: string; state: 'active' | 'revoked'; credentialHash: string } | null>;
  listDevices(page?: Partial<Page>): Promise<Device[]>;
  countDevices(): Promise<number>;
  /** Active devices, and how many of them report running bundle `revision`. */
  bundleRollout(revision: string): Promise<{ active: number; current: number }>;
  revokeDevice(id: string, at: number): Promise<boolean>;
  touchDevice(id: string, at: number): Promise<void>;
  /** The machine was renamed (or reinstalled with another OS): reports show what the inventory says. */
  updateDeviceHost(id: string, hostname: string, platform: string, serial?: string | null): Promise<void>;
  /** verdict: from the decisions the agent reported; absent leaves the device's verdict as it was. */
  setDeviceStatus(id: string, at: number, bundleRevision: string | null, status: Record<string, unknown>, verdict?: DeviceVerdict): Promise<void>;
  /** The device applied the bundle of `revision` (its push socket said so, naming the server's own bundle): bundle revision and last seen move, the rest of its status stays until its next check-in. */
  recordBundleApplied(id: string, at: number, bundleRevision: string): Promise<void>;
  /** Devices with their verdicts, filtered and paged, with the total matching count. */
  listFleetDevices(f: FleetDeviceFilter): Promise<{ total: number; devices: Device[] }>;
  /** Fleet-wide counts; seenSince counts active devices seen at or after that instant. */
  fleetSummary(seenSince: number): Promise<FleetSummary>;
  /**
   * Samples the fleet's compliance now; stores the sample when it differs from the last one or the
   * last one is older than minGapMs. Returns the stored sample or null.
   */
  sampleCompliance(at: number, currentRevision: string | null, minGapMs: number): Promise<ComplianceSample | null>;
  complianceHistory(since: number): Promise<ComplianceSample[]>;

  /** Replaces the device's inventory; seq orders uploads (an older seq than stored is refused). */
  replaceInventory(deviceId: string, seq: number, items: InventoryRow[], at: number): Promise<'ok' | 'stale'>;
  /** Applies a delta on top of baseSeq; 'gap' when the server's inventory is not at baseSeq. */
  applyInventoryDelta(deviceId: string, baseSeq: number, seq: number, upserts: InventoryRow[], removedKeys: string[], at: number): Promise<'ok' | 'stale' | 'gap'>;
  getInventory(deviceId: string): Promise<InventoryRow[]>;
  /** Inventories of many devices at once (fleet-wide evaluation); devices without items map to []. */
  getInventories(deviceIds: string[]): Promise<Map<string, InventoryRow[]>>;
  queryInventory(f: InventoryFilter): Promise<DeviceInventoryRow[]>;
  countInventory(f: InventoryFilter): Promise<number>;
  inventoryReport(by: InventoryGrouping): Promise<CountRow[]>;

  /**
   * Stores a batch of events atomically, idempotent per (device, batchId) and per event id: a batch
   * re-sent after a lost acknowledgement is stored once.
   */
  insertEvents(deviceId: string, batchId: string, events: EventRow[], at: number): Promise<{ stored: number; duplicate: boolean }>;
  queryEvents(f: EventFilter): Promise<StoredEvent[]>;
  countEvents(): Promise<number>;

  listBans(): Promise<BanEntryRecord[]>;
  getBan(id: string): Promise<BanEntryRecord | null>;
  /**
   * Applies changes in one transaction and bumps the ban-list revision once. expectRevision (if set)
   * makes it a compare-and-set: 'conflict' when someone else changed the list meanwhile.
   */
  changeBans(changes: BanChange[], by: string, at: number, expectRevision?: number): Promise<{ revision: number } | 'conflict' | { missing: string } | { exists: string }>;
  banRevision(): Promise<number>;
  banHistory(entryId?: string, page?: Partial<Page>): Promise<BanVersion[]>;

  createException(e: ExceptionRecord): Promise<void>;
  getException(id: string): Promise<ExceptionRecord | null>;
  /** expiresBefore: only exceptions with an expiry before that instant (the "expiring soon" list). */
  listExceptions(f?: { deviceId?: string; state?: ExceptionState; expiresBefore?: number } & Partial<Page>): Promise<ExceptionRecord[]>;
  /** Decides a pending exception; false when it is not pending any more. */
  decideException(id: string, state: 'approved' | 'denied', by: string, at: number, note: string, expiresAt: number | null): Promise<boolean>;
  /** Marks approved exceptions whose expiry passed as expired; returns them. */
  expireExceptions(now: number): Promise<ExceptionRecord[]>;

  appendAudit(e: Omit<AuditEntry, 'seq'>): Promise<void>;
  listAudit(f?: { actor?: string; action?: string } & Partial<Page>): Promise<AuditEntry[]>;
  /** The audit log after seq `after`, oldest first (at most 1000): the SIEM export's cursor. */
  auditAfter(after: number, limit: number): Promise<AuditEntry[]>;
}
