// The agent's run loop: enroll once, then on every trigger (node-cron schedule, push notice, start)
// run one cycle: fetch the bundle if it changed (verify; keep the last good on any failure) → scan →
// evaluate + enforce with the active bundle → queue inventory and events on disk → upload what is
// queued → check in with the applied revision. Cycles never overlap; triggers during a cycle coalesce
// into one more cycle. Uploads that fail stay queued and are retried with backoff.
//
// Trust (SECURITY.md, Network impostor): the pinned bundle key lives in its own file (pinned-key.ts)
// and changes only through a signed next_key. Whatever the server answers — 401, errors, nothing —
// the cycle still scans and enforces with the last good bundle. A refused credential is kept, shown
// ("credential refused", sync-status.ts) and retried with backoff; re-enrollment, when an enroll
// secret is configured, is sealed to a server that proved the pinned key (wire/src/enroll-seal.ts).
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { AgentConfig } from '../../../wire/src/config.ts';
import type { Inventory } from '../../../wire/src/inventory.ts';
import type { EnforcementEvent } from '../../../wire/src/event.ts';
import type { Decision } from '../../../wire/src/decision.ts';
import { MAX_REPORTED_DECISIONS, type DecisionSummary, type VaultEntrySummary } from '../../../wire/src/agent-status.ts';
import { keyIdOf } from '../../../wire/src/bundle-signing.ts';
import { bundleEtag } from '../../../wire/src/bundle-etag.ts';
import { MAX_PUSHED_BUNDLE_BYTES } from '../../../wire/src/push-protocol.ts';
import { AgentClient, ServerError } from './client.ts';
import { BundleCache, type ActiveBundle } from './bundle-cache.ts';
import { EnrollSealError } from '../../../wire/src/enroll-seal.ts';
import { loadPinnedKey, pinFirstKey, rotatePinnedKey, type PinnedKey } from './pinned-key.ts';
import { SyncStatusFile, type SyncState } from './sync-status.ts';
import { DurableQueue } from './queue.ts';
import { Backoff, sleep } from './backoff.ts';
import { hardwareId, loadCredential, saveCredential, type StoredCredential } from './credential.ts';
import { PushClient, pushedBundlePath, type PushNotice } from './push-client.ts';
import { NudgeGate, NUDGE_DEFAULTS } from './nudge-gate.ts';
import { readJsonFile, writeFileAtomic } from './state-files.ts';
import { MembershipCache, accountsOf, type DeviceMemberships } from './memberships.ts';
import type { ExceptionApi } from './exception-desk.ts';

export const AGENT_VERSION = '0.1.0';

export interface PipelineContext {
  deviceId: string;
  /** The pinned key the bundle was verified with (the policy loader checks it again). */
  publicKeyPem: string;
  /** This device's groups and its people's, as the server signed them (memberships.ts). */
  memberships?: DeviceMemberships;
}

/** The stages the loop drives, provided by the inventory and policy/enforcement modules. */
export interface AgentPipeline {
  scan(): Promise<Inventory>;
  /** Evaluates the bundle's policy for this inventory and carries out the decisions. */
  decideAndEnforce(bundle: ActiveBundle, inventory: Inventory, ctx: PipelineContext): Promise<PipelineOutput>;
  /** The quarantine vault's metadata, reported at check-in (wire/src/agent-status.ts). */
  vault?(): VaultEntrySummary[];
  /**
   * Forwards the employees' exception requests taken this cycle and brings their state back to each
   * employee's tray (exception-desk.ts); throws what the cycle should report and retry.
   */
  exchangeExceptions?(api: ExceptionApi): Promise<void>;
  /** Stops anything the pipeline runs between cycles (the process watch). */
  close?(): void;
}

export interface ActionSummary {
  finding: string;
  tool: string;
  action: Decision['action'];
  /** What was done, one line each. */
  steps: string[];
}

export interface PipelineOutput {
  decisions: Decision[];
  events: EnforcementEvent[];
  actions?: ActionSummary[];
  /** Called once the events are safely in the upload queue. */
  ack?: () => void;
}

export type LogFn = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export const jsonLog: LogFn = (level, msg, fields) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
};

export interface CycleReport {
  trigger: string;
  bundle: { revision: string; changed: boolean; error: string | null } | null;
  inventory: Inventory | null;
  decisions: Decision[];
  actions: ActionSummary[];
  events: EnforcementEvent[];
  uploaded: { inventory: boolean; eventBatches: number };
  queued: number;
  error: string | null;
}

/** A fixed offset per device within the spread: regular intervals per agent, spread across the fleet. */
export function checkInOffset(config: AgentConfig): number {
  return config.check_in_spread_ms ? parseInt(createHash('sha256').update(hardwareId(config.state_dir)).digest('hex').slice(0, 8), 16) % config.check_in_spread_ms : 0;
}

export class SyncAgent {
  /** Errors of the agent's own machinery to report at the next check-in (a cycle process that crashed or hung: daemon.ts). */
  readonly agentErrors: string[] = [];
  readonly client: AgentClient;
  private cred: StoredCredential | null = null;
  private pin: PinnedKey | null = null;
  private cache: BundleCache | null = null;
  private prepared = false;
  /** Set when the server answered 401 to the stored credential; cleared by an accepted check-in or a sealed re-enrollment. */
  private credentialRefused: string | null = null;
  readonly syncStatus: SyncStatusFile;
  private memberships: MembershipCache | null = null;
  private lastMembershipError: string | null = null;
  readonly events: DurableQueue<EnforcementEvent>;
  private readonly pendingInventoryPath: string;
  private readonly sentInventoryPath: string;
  private push: PushClient | null = null;
  /** A signed archive the push socket delivered, not yet verified (the next cycle's refreshBundle takes it). */
  private pushed: Buffer | null = null;
  /** Push nudges (IT decided an exception request) → a jittered, rate-limited check-in. */
  private nudges: NudgeGate | null = null;
  private task: ScheduledTask | null = null;
  private running: Promise<CycleReport> | null = null;
  private pendingTrigger: string | null = null;
  private readonly retry: Backoff;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastBundleError: string | null = null;
  private lastError: string | null = null;
  private inventorySeq = 0;
  private lastScanAt: string | null = null;
  /** Decisions of the last evaluation, reported at check-in; null until a bundle was evaluated. */
  private lastDecisions: DecisionSummary[] | null = null;
  /** Every finished cycle, newest last (bounded), for the demo and tests. */
  readonly history: CycleReport[] = [];
  private readonly listeners = new Set<(r: CycleReport) => void>();

  constructor(
    readonly config: AgentConfig,
    private readonly pipeline: AgentPipeline,
    private readonly log: LogFn = jsonLog,
  ) {
    this.client = new AgentClient(config.server, config.request_timeout_ms);
    this.events = new DurableQueue<EnforcementEvent>(join(config.state_dir, 'upload-queue', 'events'));
    this.pendingInventoryPath = join(config.state_dir, 'upload-queue', 'inventory.json');
    this.sentInventoryPath = join(config.state_dir, 'inventory-sent.json');
    this.retry = new Backoff(config.backoff_min_ms, config.backoff_max_ms);
    this.syncStatus = new SyncStatusFile(config.state_dir);
    const seq = readJsonFile(join(config.state_dir, 'inventory-seq.json'));
    this.inventorySeq = typeof seq === 'number' ? seq : 0;
  }

  get deviceId(): string | null {
    return this.cred?.device_id ?? null;
  }

  activeBundle(): ActiveBundle | null {
    return this.cache?.current() ?? null;
  }

  onCycle(fn: (r: CycleReport) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The pinned bundle key (null until one is pinned). */
  pinnedKey(): PinnedKey | null {
    return this.pin;
  }

  /** True while the server refuses the stored credential (the agent keeps enforcing meanwhile). */
  get refused(): boolean {
    return this.credentialRefused !== null;
  }

  /**
   * Loads what the agent needs to enforce without any server: the pinned key (moved out of an older
   * agent's credential file; pinned from --bundle-key when nothing is pinned), the stored credential
   * and the last good bundle, verified again. Never contacts the server.
   */
  async prepare(): Promise<ActiveBundle | null> {
    if (this.prepared) return this.cache?.current() ?? null;
    this.prepared = true;
    const dir = this.config.state_dir;
    this.pin = loadPinnedKey(dir);
    const configured = this.config.bundle_public_key;
    if (!this.pin && configured) this.pin = pinFirstKey(dir, configured, 'config');
    else if (this.pin && configured && keyIdOf(configured) !== this.pin.key_id) {
      // The pin is never replaced on the agent's own: not by a config edit either.
      const rotatedAway = this.pin.previous.some((p) => p.key_id === keyIdOf(configured));
      this.log(rotatedAway ? 'info' : 'warn', rotatedAway ? 'the configured bundle key was rotated away by a signed bundle; using the pinned key' : 'the configured bundle key differs from the pinned key; keeping the pinned key', {
        pinned: this.pin.key_id,
        configured: keyIdOf(configured),
      });
    }
    if (this.pin) this.usePin(this.pin);
    const stored = loadCredential(dir, this.config.server);
    if (stored) this.adoptCredential(stored);
    return this.loadLastGood();
  }

  private usePin(p: PinnedKey): void {
    this.pin = p;
    this.client.pinnedKeyId = p.key_id;
    this.cache ??= new BundleCache(this.config.state_dir, () => this.pin as PinnedKey);
    if (this.cred) this.resetMemberships(this.cred);
  }

  private resetMemberships(c: StoredCredential): void {
    if (!this.pin) return;
    this.memberships = new MembershipCache(this.config.state_dir, this.pin.public_key, c.device_id);
    this.lastMembershipError = this.memberships.loadLastGood();
  }

  /**
   * A credential the server accepts, as far as the agent knows: the stored one, or — first run, or
   * after the server refused the stored one, and only with an enroll secret — a new one from a sealed
   * enrollment with a server that proved the pinned key. Throws when neither is possible; the caller
   * keeps enforcing the last good bundle.
   */
  async ensureEnrolled(): Promise<StoredCredential> {
    await this.prepare();
    if (this.cred && !this.credentialRefused) return this.cred;
    const secret = this.config.enroll_secret;
    if (!secret) {
      // Without a secret the refused credential is all there is: keep trying it (an outage on the
      // server side can look like a refusal), never drop it.
      if (this.cred) return this.cred;
      throw new Error('the agent is not enrolled and no enroll secret was given (--enroll-secret)');
    }
    const pinned = this.pin?.public_key ?? null;
    const answer = await this.client.enrollSealed(
      { enroll_secret: secret, hardware_id: hardwareId(this.config.state_dir), hostname: osHostname(), platform: this.config.os ?? (process.platform as string), agent_version: AGENT_VERSION },
      pinned,
    );
    // Trust on first use only when nothing is pinned (no --bundle-key, first enrollment): the key that
    // signed the challenge is pinned from then on.
    if (!this.pin) this.usePin(pinFirstKey(this.config.state_dir, answer.provenKeyPem, 'enrollment'));
    const cred: StoredCredential = { server: this.config.server, device_id: answer.device_id, credential: answer.credential, enrolled_at: new Date().toISOString() };
    saveCredential(this.config.state_dir, cred);
    this.log('info', this.credentialRefused ? 're-enrolled with a server that proved the pinned key' : 'enrolled', { device_id: cred.device_id, bundle_key: this.pin?.key_id });
    this.credentialRefused = null;
    return this.adoptCredential(cred);
  }

  private adoptCredential(c: StoredCredential): StoredCredential {
    this.cred = c;
    this.client.credential = c.credential;
    this.resetMemberships(c);
    return c;
  }

  /** Loads the last good bundle from disk (re-verified) so enforcement works before the server answers. */
  async loadLastGood(): Promise<ActiveBundle | null> {
    if (!this.cache) return null;
    try {
      const r = await this.cache.loadLastGood();
      if (!r) return null;
      if (r.nextKey) this.rotate(r.nextKey, 'completed at start');
      this.log('info', 'loaded last good bundle', { revision: r.bundle.revision, seq: r.bundle.seq });
      return r.bundle;
    } catch (e) {
      this.lastBundleError = `stored bundle refused: ${(e as Error).message}`;
      this.log('error', 'stored bundle refused', { error: (e as Error).message });
      return null;
    }
  }

  /** Switches the pin to a key named by a bundle the pinned key signed. */
  private rotate(nextKey: string, how: string): void {
    const from = this.pin as PinnedKey;
    this.usePin(rotatePinnedKey(this.config.state_dir, from, nextKey));
    this.log('info', 'bundle key rotated by a bundle signed with the pinned key', { from: from.key_id, to: this.pin?.key_id, how });
    // The push socket named the old key (the server picks the bundle copy by it): open it again.
    this.push?.refreshKey();
  }

  /** Starts the schedule and push; runs a first cycle at once. */
  async start(): Promise<void> {
    await this.prepare();
    // Nothing to enforce and no way to get anything: a configuration error, not a state to wait in.
    if (!this.cache?.current() && !this.cred && !this.config.enroll_secret) {
      throw new Error('the agent is not enrolled, has no last good bundle and no enroll secret was given (--enroll-secret)');
    }
    const offset = checkInOffset(this.config);
    this.task = cron.schedule(
      this.config.check_in_cron,
      () => {
        const t = setTimeout(() => {
          if (!this.stopped) void this.trigger('schedule');
        }, offset);
        t.unref();
      },
      { noOverlap: true },
    );
    if (this.config.push) {
      this.nudges = new NudgeGate({ ...NUDGE_DEFAULTS, run: () => void this.trigger('push:nudge') });
      this.push = new PushClient({
        url: this.client.pushUrl(),
        credential: () => this.cred?.credential ?? null,
        onNotice: (n) => this.onPush(n),
        onState: (up, err) => this.log(up ? 'info' : 'warn', up ? 'push connected' : 'push disconnected', err ? { error: err } : {}),
        backoffMinMs: this.config.backoff_min_ms,
        backoffMaxMs: this.config.backoff_max_ms,
        bundles: { maxBytes: MAX_PUSHED_BUNDLE_BYTES, keyId: () => this.pin?.key_id ?? null, onArchive: (a) => this.onPushedArchive(a) },
      });
      this.push.start();
    }
    void this.trigger('start');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.task?.destroy();
    this.task = null;
    this.push?.stop();
    this.push = null;
    this.nudges?.stop();
    this.nudges = null;
    this.pipeline.close?.();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.running?.catch(() => undefined);
  }

  /** A signed archive from the push socket: applied by a cycle, after the same checks as a download. */
  private onPushedArchive(archive: Buffer): void {
    const etag = bundleEtag(archive);
    if (etag === this.cache?.current()?.etag) {
      this.push?.applied(etag);
      return;
    }
    this.pushed = archive;
    void this.trigger('push:bundle');
  }

  /** The pushed archive waiting for this cycle: handed over in memory, or left by the daemon in the state folder. */
  private takePushed(): Buffer | null {
    const mem = this.pushed;
    this.pushed = null;
    if (mem) return mem;
    const file = pushedBundlePath(this.config.state_dir);
    if (!existsSync(file)) return null;
    try {
      const size = statSync(file).size;
      if (size > MAX_PUSHED_BUNDLE_BYTES) throw new Error(`${size} bytes, more than ${MAX_PUSHED_BUNDLE_BYTES}`);
      return readFileSync(file);
    } catch (e) {
      this.log('warn', 'pushed bundle unreadable; downloading instead', { error: (e as Error).message });
      return null;
    } finally {
      rmSync(file, { force: true });
    }
  }

  private onPush(n: PushNotice): void {
    if (n.type === 'nudge') {
      this.nudges?.nudge();
      return;
    }
    const active = this.cache?.current();
    if (n.etag && n.etag !== active?.etag) void this.trigger(`push:${n.type}`);
  }

  /** Runs a cycle now, or once more after the running one. Resolves with the report of the cycle that covers it. */
  trigger(reason: string): Promise<CycleReport> {
    // A stopped agent starts no cycle, not even one a caller queued before stop() (it would touch a
    // state folder that may be gone).
    if (this.stopped) {
      return Promise.resolve({ trigger: reason, bundle: null, inventory: null, decisions: [], actions: [], events: [], uploaded: { inventory: false, eventBatches: 0 }, queued: 0, error: 'the agent is stopped' });
    }
    if (this.running) {
      this.pendingTrigger = reason;
      return this.running.then(() => this.running ?? this.trigger(reason));
    }
    const run = this.cycle(reason).finally(() => {
      this.running = null;
      const next = this.pendingTrigger;
      this.pendingTrigger = null;
      if (next && !this.stopped) void this.trigger(next);
    });
    this.running = run;
    return run;
  }

  private async cycle(trigger: string): Promise<CycleReport> {
    const report: CycleReport = {
      trigger,
      bundle: null,
      inventory: null,
      decisions: [],
      actions: [],
      events: [],
      uploaded: { inventory: false, eventBatches: 0 },
      queued: 0,
      error: null,
    };
    try {
      // The server part first; whatever it answers (or not), the scan and enforcement below run with
      // the bundle in force: only a bundle signed by the pinned key ever changes what is enforced.
      let serverError: unknown = null;
      try {
        await this.ensureEnrolled();
        report.bundle = await this.refreshBundle();
      } catch (e) {
        serverError = e;
        const active = this.cache?.current();
        report.bundle = active ? { revision: active.revision, changed: false, error: null } : null;
      }
      const inventory = await this.pipeline.scan();
      report.inventory = inventory;
      this.lastScanAt = new Date().toISOString();
      this.queueInventory(inventory);
      const bundle = this.cache?.current() ?? null;
      if (bundle) {
        if (this.memberships && !serverError) this.lastMembershipError = await this.memberships.refresh((req) => this.client.memberships(req), accountsOf(inventory));
        const memberships = this.memberships?.current();
        const out = await this.pipeline.decideAndEnforce(bundle, inventory, { deviceId: this.cred?.device_id ?? '', publicKeyPem: bundle.keyPem, ...(memberships ? { memberships } : {}) });
        report.decisions = out.decisions;
        this.lastDecisions = out.decisions.slice(0, MAX_REPORTED_DECISIONS).map((d) => ({ finding: d.finding, tool: d.tool, action: d.action, rule: d.rule, monitor: d.monitor, grace_until: d.grace_until }));
        report.events = out.events;
        report.actions = out.actions ?? [];
        if (out.events.length) this.events.enqueue(out.events, this.config.upload_batch);
        // The events are on disk in the upload queue now; the enforcement outbox may let them go.
        out.ack?.();
      }
      if (serverError) throw serverError;
      const up = await this.flush();
      report.uploaded = up;
      try {
        await this.pipeline.exchangeExceptions?.(this.client);
      } catch (e) {
        if (e instanceof ServerError && e.status === 401) throw e;
        // Requests stay queued for the next cycle; the check-in (and the fleet's view of this device) goes on.
        this.log('warn', 'exception requests not exchanged; retried next cycle', { error: (e as Error).message });
      }
      this.lastError = null;
      await this.client.checkIn(this.status());
      if (this.credentialRefused) this.log('info', 'the server accepts the credential again', {});
      this.credentialRefused = null;
      this.setSync('ok', 'in sync with the server');
      this.retry.reset();
    } catch (e) {
      report.error = (e as Error).message;
      this.lastError = report.error;
      this.noteServerError(e);
      this.log('warn', 'cycle incomplete; will retry', { trigger, error: report.error });
      this.scheduleRetry();
    }
    report.queued = this.events.count() + (existsSync(this.pendingInventoryPath) ? 1 : 0);
    this.history.push(report);
    if (this.history.length > 50) this.history.shift();
    for (const fn of this.listeners) fn(report);
    return report;
  }

  private setSync(state: SyncState, message: string): void {
    const b = this.cache?.current();
    if (this.syncStatus.set(state, message, { revision: b?.revision ?? null, seq: b?.seq ?? 0, key: this.pin?.key_id ?? null }) && state !== 'ok') {
      this.log('warn', message, { state, enforcing: b ? b.revision : null });
    }
  }

  /** What a failed server exchange means for people; never stops enforcement, never drops the credential or the key. */
  private noteServerError(e: unknown): void {
    const enforcing = this.cache?.current() ? 'still enforcing the last good bundle' : 'no bundle received yet';
    if (e instanceof ServerError && e.status === 401 && this.cred) {
      // Revoked, a database reset, or an impostor at the server address: the agent cannot tell which.
      // It keeps the credential and the key and retries; with an enroll secret the next cycle
      // re-enrolls, sealed to a server that proves the pinned key.
      this.credentialRefused = e.message;
      this.setSync('credential_refused', `credential refused by the server (${e.message}); ${enforcing}; retrying`);
    } else if (e instanceof EnrollSealError) {
      this.setSync('server_unproven', `the server did not prove the pinned bundle key (${e.message}); ${enforcing}; nothing secret was sent`);
    } else if (e instanceof ServerError && e.status === 0) {
      this.setSync(this.credentialRefused ? 'credential_refused' : 'unreachable', `server unreachable (${e.message}); ${enforcing}`);
    } else if (!this.cred) {
      this.setSync('not_enrolled', `not enrolled (${(e as Error).message}); ${enforcing}`);
    } else if (!this.credentialRefused) {
      this.setSync('unreachable', `server exchange failed (${(e as Error).message}); ${enforcing}`);
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retry.next();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.trigger('retry');
    }, delay);
    this.retryTimer.unref();
  }

  /** Downloads and activates a new bundle if the server has one; failures keep the last good bundle. */
  private async refreshBundle(): Promise<CycleReport['bundle']> {
    const cache = this.cache;
    if (!cache) return null;
    // A bundle the push socket delivered is verified and applied exactly like a download (the socket
    // is not trusted more than HTTP). One it refused is followed by the download, which may hold
    // another copy (during a key rotation) or nothing new (304: the refusal is what gets reported).
    const archive = this.takePushed();
    if (archive) {
      const pushed = await this.applyArchive(cache, archive, bundleEtag(archive), 'push');
      if (pushed?.error === null) return pushed;
      const downloaded = await this.download(cache);
      return downloaded?.changed ? downloaded : pushed;
    }
    return this.download(cache);
  }

  /** Downloads the bundle unless the active one is current (ETag → 304) and applies it. */
  private async download(cache: BundleCache): Promise<CycleReport['bundle']> {
    const before = cache.current();
    let dl;
    try {
      dl = await this.client.fetchBundle(before?.etag || null);
    } catch (e) {
      if (e instanceof ServerError && e.status === 404) return before ? { revision: before.revision, changed: false, error: null } : null;
      throw e;
    }
    if (!dl) return before ? { revision: before.revision, changed: false, error: null } : null;
    return this.applyArchive(cache, dl.archive, dl.etag, 'download');
  }

  /** Verifies and activates an archive however it came; a refusal keeps the last good bundle and says why. */
  private async applyArchive(cache: BundleCache, archive: Buffer, etag: string, via: 'push' | 'download'): Promise<CycleReport['bundle']> {
    const before = cache.current();
    try {
      const r = await cache.accept(archive, etag);
      this.lastBundleError = null;
      if (r.changed) this.log('info', 'bundle applied', { revision: r.bundle.revision, seq: r.bundle.seq, via });
      // Told on the socket it came by (the daemon, holding the socket for a cycle process, tells it itself).
      if (via === 'push') this.push?.applied(r.bundle.etag);
      // On disk first, then the pin: a crash in between is completed at the next start.
      if (r.nextKey) this.rotate(r.nextKey, 'named by the bundle just applied');
      return { revision: r.bundle.revision, changed: r.changed, error: null };
    } catch (e) {
      this.lastBundleError = (e as Error).message;
      this.log('error', 'bundle refused; keeping the last good bundle', { error: this.lastBundleError, revision: before?.revision ?? null, via });
      return { revision: before?.revision ?? '', changed: false, error: this.lastBundleError };
    }
  }

  /** Hash of what the inventory says (not when it was taken): unchanged scans are not re-sent. */
  private static inventoryHash(inv: Inventory): string {
    return createHash('sha256').update(JSON.stringify({ ...inv, scanned_at: '', duration_ms: 0 })).digest('hex');
  }

  private queueInventory(inv: Inventory): void {
    const hash = SyncAgent.inventoryHash(inv);
    const sent = readJsonFile(this.sentInventoryPath) as { hash?: string; at?: number } | undefined;
    // The server already holds this exact inventory (sent within a day): nothing to upload.
    if (!existsSync(this.pendingInventoryPath) && sent?.hash === hash && Date.now() - (sent.at ?? 0) < 24 * 3600_000) return;
    this.inventorySeq += 1;
    writeFileAtomic(join(this.config.state_dir, 'inventory-seq.json'), String(this.inventorySeq));
    // Only the newest inventory matters (it is state, not history): a newer scan replaces an unsent one.
    writeFileAtomic(this.pendingInventoryPath, JSON.stringify({ kind: 'full', seq: this.inventorySeq, inventory: inv, hash }));
  }

  /** Uploads the pending inventory and every queued event batch; stops at the first failure. */
  async flush(): Promise<{ inventory: boolean; eventBatches: number }> {
    let inventory = false;
    const pending = readJsonFile(this.pendingInventoryPath);
    if (pending !== undefined) {
      const { hash, ...body } = pending as { hash?: string };
      await this.client.uploadInventory(body);
      writeFileAtomic(this.sentInventoryPath, JSON.stringify({ hash, at: Date.now() }));
      // Delete only if no newer scan replaced the file meanwhile.
      const now = readJsonFile(this.pendingInventoryPath) as { seq?: number } | undefined;
      if (now?.seq === (pending as { seq?: number }).seq) rmSync(this.pendingInventoryPath, { force: true });
      inventory = true;
    }
    let eventBatches = 0;
    while (true) {
      const batches = this.events.peek(this.config.upload_batch);
      if (batches.length === 0) break;
      for (const b of batches) {
        await this.client.uploadEvents({ batch_id: b.id, events: b.items });
        this.events.ack([b]);
        eventBatches += 1;
      }
    }
    return { inventory, eventBatches };
  }

  /** The status document of a check-in (server/src/schemas/api.ts StatusUpload). */
  status(): Record<string, unknown> {
    const b = this.cache?.current();
    const errors = [this.lastBundleError, this.lastMembershipError, this.lastError, ...this.agentErrors].filter((e): e is string => typeof e === 'string').map((e) => e.slice(0, 1000));
    return {
      bundle_revision: b?.revision ?? null,
      agent_version: AGENT_VERSION,
      errors,
      queue_length: this.events.size(),
      last_scan_at: this.lastScanAt,
      ...(this.lastDecisions ? { decisions: this.lastDecisions } : {}),
      ...(this.pipeline.vault ? { vault: this.pipeline.vault() } : {}),
    };
  }

  /** Waits until a cycle satisfies `pred` (tests, demo). */
  waitFor(pred: (r: CycleReport) => boolean, timeoutMs: number): Promise<CycleReport> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        off();
        reject(new Error(`no agent cycle matched within ${timeoutMs} ms (last: ${JSON.stringify(this.history.at(-1)?.error ?? null)})`));
      }, timeoutMs);
      const off = this.onCycle((r) => {
        if (pred(r)) {
          clearTimeout(t);
          off();
          resolve(r);
        }
      });
    });
  }
}

export { sleep };
