// The agent's run loop: enroll once, then on every trigger (node-cron schedule, push notice, start)
// run one cycle: fetch the bundle if it changed (verify; keep the last good on any failure) → scan →
// evaluate + enforce with the active bundle → queue inventory and events on disk → upload what is
// queued → check in with the applied revision. Cycles never overlap; triggers during a cycle coalesce
// into one more cycle. Uploads that fail stay queued and are retried with backoff.
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import { createHash, createPublicKey } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { AgentConfig } from '../../../wire/src/config.ts';
import type { Inventory } from '../../../wire/src/inventory.ts';
import type { EnforcementEvent } from '../../../wire/src/event.ts';
import type { Decision } from '../../../wire/src/decision.ts';
import { MAX_REPORTED_DECISIONS, type DecisionSummary, type VaultEntrySummary } from '../../../wire/src/agent-status.ts';
import { keyIdOf } from '../../../wire/src/bundle-signing.ts';
import { AgentClient, ServerError } from './client.ts';
import { BundleCache, type ActiveBundle } from './bundle-cache.ts';
import { DurableQueue } from './queue.ts';
import { Backoff, sleep } from './backoff.ts';
import { hardwareId, loadCredential, saveCredential, forgetCredential, type StoredCredential } from './credential.ts';
import { PushClient, type PushNotice } from './push-client.ts';
import { readJsonFile, writeFileAtomic } from './state-files.ts';
import { MembershipCache, accountsOf, type DeviceMemberships } from './memberships.ts';

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

export class SyncAgent {
  readonly client: AgentClient;
  private cred: StoredCredential | null = null;
  private cache: BundleCache | null = null;
  private memberships: MembershipCache | null = null;
  private lastMembershipError: string | null = null;
  readonly events: DurableQueue<EnforcementEvent>;
  private readonly pendingInventoryPath: string;
  private readonly sentInventoryPath: string;
  private push: PushClient | null = null;
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

  /** Enrolls unless a credential for this server is stored; pins the bundle key. */
  async ensureEnrolled(): Promise<StoredCredential> {
    if (this.cred) return this.cred;
    const stored = loadCredential(this.config.state_dir, this.config.server);
    if (stored) {
      if (this.config.bundle_public_key && keyIdOf(this.config.bundle_public_key) !== keyIdOf(stored.bundle_public_key)) {
        throw new Error('the configured bundle key differs from the one pinned at enrollment; remove the state folder to re-enroll');
      }
      return this.adoptCredential(stored);
    }
    const secret = this.config.enroll_secret;
    if (!secret) throw new Error('the agent is not enrolled and no enroll secret was given (--enroll-secret)');
    const answer = await this.client.enroll({
      enroll_secret: secret,
      hardware_id: hardwareId(this.config.state_dir),
      hostname: osHostname(),
      platform: this.config.os ?? (process.platform as string),
      agent_version: AGENT_VERSION,
    });
    this.client.credential = answer.credential;
    // Trust on first use when no key was configured: the key comes over the enrolled, authenticated
    // connection once and is pinned from then on; a configured key must match the server's.
    const served = await this.client.bundlePublicKey();
    let servedId: string;
    try {
      if (createPublicKey(served).asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
      servedId = keyIdOf(served);
    } catch (e) {
      throw new Error(`the server's bundle key is not a valid ed25519 public key: ${(e as Error).message}`);
    }
    if (this.config.bundle_public_key && keyIdOf(this.config.bundle_public_key) !== servedId) {
      throw new Error(`the server signs bundles with ${servedId}, not the configured key ${keyIdOf(this.config.bundle_public_key)}; refusing to enroll`);
    }
    const cred: StoredCredential = {
      server: this.config.server,
      device_id: answer.device_id,
      credential: answer.credential,
      enrolled_at: new Date().toISOString(),
      bundle_public_key: this.config.bundle_public_key ?? served,
    };
    saveCredential(this.config.state_dir, cred);
    this.log('info', 'enrolled', { device_id: cred.device_id, bundle_key: keyIdOf(cred.bundle_public_key) });
    return this.adoptCredential(cred);
  }

  private adoptCredential(c: StoredCredential): StoredCredential {
    this.cred = c;
    this.client.credential = c.credential;
    this.cache = new BundleCache(this.config.state_dir, c.bundle_public_key);
    this.memberships = new MembershipCache(this.config.state_dir, c.bundle_public_key, c.device_id);
    this.lastMembershipError = this.memberships.loadLastGood();
    return c;
  }

  /** Loads the last good bundle from disk (re-verified) so enforcement works before the server answers. */
  async loadLastGood(): Promise<ActiveBundle | null> {
    if (!this.cache) return null;
    try {
      const b = await this.cache.loadLastGood();
      if (b) this.log('info', 'loaded last good bundle', { revision: b.revision });
      return b;
    } catch (e) {
      this.lastBundleError = `stored bundle refused: ${(e as Error).message}`;
      this.log('error', 'stored bundle refused', { error: (e as Error).message });
      return null;
    }
  }

  /** Starts the schedule and push; runs a first cycle at once. */
  async start(): Promise<void> {
    await this.ensureEnrolled();
    await this.loadLastGood();
    // A fixed offset per device within the spread: regular intervals per agent, spread across the fleet.
    const offset = this.config.check_in_spread_ms
      ? parseInt(createHash('sha256').update(hardwareId(this.config.state_dir)).digest('hex').slice(0, 8), 16) % this.config.check_in_spread_ms
      : 0;
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
      this.push = new PushClient({
        url: this.client.pushUrl(),
        credential: () => this.cred?.credential ?? null,
        onNotice: (n) => this.onPush(n),
        onState: (up, err) => this.log(up ? 'info' : 'warn', up ? 'push connected' : 'push disconnected', err ? { error: err } : {}),
        backoffMinMs: this.config.backoff_min_ms,
        backoffMaxMs: this.config.backoff_max_ms,
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
    this.pipeline.close?.();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.running?.catch(() => undefined);
  }

  private onPush(n: PushNotice): void {
    const active = this.cache?.current();
    if (n.etag && n.etag !== active?.etag) void this.trigger(`push:${n.type}`);
  }

  /** Runs a cycle now, or once more after the running one. Resolves with the report of the cycle that covers it. */
  trigger(reason: string): Promise<CycleReport> {
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
      const cred = await this.ensureEnrolled();
      report.bundle = await this.refreshBundle();
      const inventory = await this.pipeline.scan();
      report.inventory = inventory;
      this.lastScanAt = new Date().toISOString();
      this.queueInventory(inventory);
      const bundle = this.cache?.current() ?? null;
      if (bundle) {
        if (this.memberships) this.lastMembershipError = await this.memberships.refresh((req) => this.client.memberships(req), accountsOf(inventory));
        const memberships = this.memberships?.current();
        const out = await this.pipeline.decideAndEnforce(bundle, inventory, { deviceId: cred.device_id, publicKeyPem: cred.bundle_public_key, ...(memberships ? { memberships } : {}) });
        report.decisions = out.decisions;
        this.lastDecisions = out.decisions.slice(0, MAX_REPORTED_DECISIONS).map((d) => ({ finding: d.finding, tool: d.tool, action: d.action, rule: d.rule, monitor: d.monitor, grace_until: d.grace_until }));
        report.events = out.events;
        report.actions = out.actions ?? [];
        if (out.events.length) this.events.enqueue(out.events, this.config.upload_batch);
        // The events are on disk in the upload queue now; the enforcement outbox may let them go.
        out.ack?.();
      }
      const up = await this.flush();
      report.uploaded = up;
      this.lastError = null;
      await this.client.checkIn(this.status());
      this.retry.reset();
    } catch (e) {
      report.error = (e as Error).message;
      this.lastError = report.error;
      if (e instanceof ServerError && e.status === 401 && this.cred) {
        // The server no longer knows this credential (revoked or database reset): enroll again.
        this.log('warn', 'credential refused by the server; re-enrolling on the next cycle', {});
        forgetCredential(this.config.state_dir);
        this.cred = null;
      }
      this.log('warn', 'cycle incomplete; will retry', { trigger, error: report.error });
      this.scheduleRetry();
    }
    report.queued = this.events.count() + (existsSync(this.pendingInventoryPath) ? 1 : 0);
    this.history.push(report);
    if (this.history.length > 50) this.history.shift();
    for (const fn of this.listeners) fn(report);
    return report;
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
    const before = cache.current();
    let dl;
    try {
      dl = await this.client.fetchBundle(before?.etag || null);
    } catch (e) {
      if (e instanceof ServerError && e.status === 404) return before ? { revision: before.revision, changed: false, error: null } : null;
      throw e;
    }
    if (!dl) return before ? { revision: before.revision, changed: false, error: null } : null;
    try {
      const b = await cache.accept(dl.archive, dl.etag);
      this.lastBundleError = null;
      this.log('info', 'bundle applied', { revision: b.revision });
      return { revision: b.revision, changed: true, error: null };
    } catch (e) {
      this.lastBundleError = (e as Error).message;
      this.log('error', 'bundle refused; keeping the last good bundle', { error: this.lastBundleError, revision: before?.revision ?? null });
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
    const errors = [this.lastBundleError, this.lastMembershipError, this.lastError].filter((e): e is string => typeof e === 'string').map((e) => e.slice(0, 1000));
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
