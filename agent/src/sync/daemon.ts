// The resident agent process (`warden-agent run`): holds only what must run between cycles — the
// process watch (kills a banned tool started again), the schedule (a timer to the next check-in) and
// the push connection (a new bundle or a nudge triggers a cycle; a signed archive the socket delivers
// is written to the state folder, unverified, for the cycle to verify and apply like a download, and
// the daemon answers "applied" on the socket once the cycle reports that bundle in force) — and runs every cycle in a
// short-lived child process: the agent's own installed file with the hidden `__cycle` command
// (cycle-command.ts), which syncs, scans, evaluates, enforces, reports, prints a compact result
// (wire/src/cycle-result.ts) on a private pipe and exits, taking axios, opa-wasm, systeminformation,
// ajv and node-cron with it (issue 17: idle ≤ 50 MB).
//
// Trust (SECURITY.md): the child is started as process.execPath + the agent file this daemon was
// installed with (checked at start: ownCodeProblem), never a name looked up on PATH; its result is
// validated at the boundary and bounded in size; it runs with the daemon's privileges and nothing
// from users reaches its command line. A child that crashes, hangs (killed after cycle_timeout_ms) or
// sends a bad result is logged, reported at the next check-in and retried with backoff; the daemon
// and its watch carry on with the last targets, so a banned tool stays banned offline.
// This file must stay light: it and its imports are bundled alone (build/warden-agentd.mjs).
import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CycleResult, MAX_CYCLE_RESULT_BYTES } from '../../../wire/src/cycle-result.ts';
import { validateLight } from '../../../wire/src/validate-light.ts';
import { MALLOC_ENV } from '../service/malloc-env.ts';
import { enforceState } from '../enforce/state.ts';
import { ProcessWatch, defaultWatchInterval, loadWatchList, watchKillEvent, type WatchKill } from '../enforce/watch.ts';
import { spoolEvent } from '../enforce/watch-spool.ts';
import { pushUrl } from './api-paths.ts';
import { Backoff } from './backoff.ts';
import { NudgeGate, NUDGE_DEFAULTS } from './nudge-gate.ts';
import { PushClient, pushedBundlePath, type PushNotice } from './push-client.ts';
import { bundleEtag } from '../../../wire/src/bundle-etag.ts';
import { MAX_PUSHED_BUNDLE_BYTES } from '../../../wire/src/push-protocol.ts';
import type { LogFn } from './sync-agent.ts';

/** The daemon's part of the agent configuration (the cycle child reads and validates all of it). */
export interface DaemonConfig {
  server: string;
  state_dir: string;
  push: boolean;
  backoff_min_ms: number;
  backoff_max_ms: number;
  cycle_timeout_ms: number;
  /** Run the process watch (watchEnabled in pipeline.ts). */
  watch: boolean;
}

/** How to start a cycle: this node, the agent's own entry file, the flags the daemon was given. */
export interface CycleCommand {
  node: string;
  execArgv: string[];
  /** Absolute path of the agent's entry file (checked by ownCodeProblem). */
  entry: string;
  runArgs: string[];
  /** Added to the child's environment (the daemon's own is inherited: the enroll secret may be in it). */
  env?: Record<string, string>;
}

/**
 * V8 flags the daemon may run with (the service's NODE_FLAGS) that its cycle children must not get:
 * they turn WebAssembly off, and the child evaluates the policy's WASM.
 */
export const DAEMON_ONLY_FLAGS = ['--lite-mode', '--lite_mode', '--jitless', '--no-expose-wasm', '--no-expose_wasm'];

/** The end of one cycle as the daemon saw it. */
export interface CycleOutcome {
  trigger: string;
  result: CycleResult | null;
  /** Why there is no usable result (crash, signal, timeout, bad output); null when there is one. */
  failure: string | null;
  /** The child's exit code (null: killed by a signal or never started). */
  exitCode: number | null;
  wallMs: number;
}

/**
 * Why `file` may not be run as the agent's own code, or null: it must be a regular file (symlinks
 * resolved first) in folders that, like the file, are owned by root or by the daemon's user and
 * writable by nobody else — what someone else could change is not ours to run as root.
 */
export function ownCodeProblem(file: string): string | null {
  let real: string;
  try {
    real = realpathSync(file);
  } catch (e) {
    return `cannot resolve ${file}: ${(e as Error).message}`;
  }
  if (process.platform === 'win32') return null; // ACLs: the installer's (agent/src/service) folder rights apply
  const uid = process.geteuid?.() ?? 0;
  let p = real;
  for (;;) {
    const st = lstatSync(p);
    if (p === real && !st.isFile()) return `${real} is not a regular file`;
    if (st.uid !== 0 && st.uid !== uid) return `${p} is owned by uid ${st.uid}, not by root or the agent's user`;
    if ((st.mode & 0o022) !== 0) return `${p} is writable by others (mode ${(st.mode & 0o7777).toString(8)})`;
    const up = dirname(p);
    if (up === p) return null;
    p = up;
  }
}

/** The stored credential's bearer token for the push connection (the cycle child enrolls and writes it). */
function pushCredential(stateDir: string, server: string): string | null {
  try {
    const c = JSON.parse(readFileSync(`${stateDir}/credential.json`, 'utf8')) as Record<string, unknown>;
    return c.server === server && typeof c.credential === 'string' && c.credential.length > 0 ? c.credential : null;
  } catch {
    return null;
  }
}

/** The pinned key's id, sent with the push connection so a server mid-rotation picks the copy it verifies (a hint only: the cycle verifies). */
function pinnedKeyId(stateDir: string): string | null {
  try {
    const id = (JSON.parse(readFileSync(`${stateDir}/bundle-key.json`, 'utf8')) as Record<string, unknown>).key_id;
    return typeof id === 'string' && /^ed25519:[0-9a-f]{16}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class AgentDaemon {
  private readonly watch: ProcessWatch | null;
  private push: PushClient | null = null;
  private nudges: NudgeGate | null = null;
  private readonly retry: Backoff;
  private scheduleTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private running: Promise<CycleOutcome> | null = null;
  private child: ChildProcess | null = null;
  private pending: string | null = null;
  private stopped = false;
  /** The bundle in force as the last cycle reported it (a push naming another etag triggers a cycle). */
  private etag: string | null = null;
  /** ETag of the archive the push socket delivered last, answered "applied" once a cycle reports it in force. */
  private pushedEtag: string | null = null;
  /** The last cycle failure, reported by the next cycle at its check-in. */
  private lastFailure: string | null = null;
  private readonly listeners = new Set<(o: CycleOutcome) => void>();
  readonly history: CycleOutcome[] = [];
  /** The entry file as checked at start (symlinks resolved): what every cycle runs. */
  private entry: string;

  constructor(
    readonly config: DaemonConfig,
    private readonly command: CycleCommand,
    private readonly log: LogFn,
  ) {
    this.retry = new Backoff(config.backoff_min_ms, config.backoff_max_ms);
    this.entry = command.entry;
    const state = enforceState(config.state_dir);
    // The last list enforcement wrote: a banned tool stays banned from the first second, server or not.
    this.watch = config.watch
      ? new ProcessWatch(loadWatchList(state.watchList), {
          onKill: (k: WatchKill) => {
            try {
              spoolEvent(state.outbox, watchKillEvent(k));
            } catch (e) {
              this.log('error', 'watch kill not recorded', { error: (e as Error).message, pid: k.pid, tool: k.target.tool });
            }
            this.log('info', 'watch kill', { pid: k.pid, tool: k.target.tool, outcome: k.result.outcome });
          },
        })
      : null;
  }

  onCycle(fn: (o: CycleOutcome) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Starts the watch, runs the first cycle and, unless it says the agent cannot run at all (returned:
   * the reason), the schedule and push.
   */
  async start(): Promise<string | null> {
    const problem = ownCodeProblem(this.command.entry);
    if (problem) return `refusing to run the cycle from ${this.command.entry}: ${problem}`;
    this.entry = realpathSync(this.command.entry); // the file checked, not a link that could be re-pointed
    this.watch?.start();
    const first = await this.trigger('start');
    // Exit code 2: the child refused the configuration (its message is on stderr already).
    const fatal = first.result?.fatal ?? (first.exitCode === 2 ? 'the cycle process refused the configuration' : null);
    if (fatal) {
      await this.stop();
      return fatal;
    }
    if (this.stopped) return null;
    if (this.config.push) {
      this.nudges = new NudgeGate({ ...NUDGE_DEFAULTS, run: () => void this.trigger('push:nudge') });
      this.push = new PushClient({
        url: pushUrl(this.config.server),
        credential: () => pushCredential(this.config.state_dir, this.config.server),
        onNotice: (n) => this.onPush(n),
        onState: (up, err) => this.log(up ? 'info' : 'warn', up ? 'push connected' : 'push disconnected', err ? { error: err } : {}),
        backoffMinMs: this.config.backoff_min_ms,
        backoffMaxMs: this.config.backoff_max_ms,
        bundles: { maxBytes: MAX_PUSHED_BUNDLE_BYTES, keyId: () => pinnedKeyId(this.config.state_dir), onArchive: (a) => this.onPushedArchive(a) },
      });
      this.push.start();
    }
    return null;
  }

  /** Stops the schedule, push and watch; a running cycle finishes (bounded by its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.scheduleTimer, this.retryTimer]) if (t) clearTimeout(t);
    this.scheduleTimer = this.retryTimer = null;
    this.push?.stop();
    this.push = null;
    this.nudges?.stop();
    this.nudges = null;
    this.watch?.stop();
    await this.running;
  }

  /** The watch's current targets (tests). */
  get watching(): ProcessWatch | null {
    return this.watch;
  }

  /** Unverified bytes: left for the cycle process, which verifies them against the pinned key like a download. */
  private onPushedArchive(archive: Buffer): void {
    const etag = bundleEtag(archive);
    if (etag === this.etag) {
      this.push?.applied(etag);
      return;
    }
    try {
      // Renamed into place whole, not fsynced: the copy is untrusted and transient (lost in a crash, the
      // cycle downloads instead), and a flood of frames from whatever answers at the server address
      // must not become a flood of synced disk writes; the cycles they trigger coalesce.
      const file = pushedBundlePath(this.config.state_dir);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, archive, { mode: 0o600 });
      renameSync(tmp, file);
    } catch (e) {
      this.log('warn', 'pushed bundle not stored; the cycle downloads it', { error: (e as Error).message });
    }
    this.pushedEtag = etag;
    void this.trigger('push:bundle');
  }

  private onPush(n: PushNotice): void {
    if (n.type === 'nudge') this.nudges?.nudge();
    else if (n.etag && n.etag !== this.etag) void this.trigger(`push:${n.type}`);
  }

  /** Runs a cycle now, or once more after the running one (triggers meanwhile coalesce). */
  trigger(reason: string): Promise<CycleOutcome> {
    if (this.stopped) return Promise.resolve({ trigger: reason, result: null, failure: 'the agent is stopped', exitCode: null, wallMs: 0 });
    if (this.running) {
      this.pending = reason;
      return this.running.then(() => this.running ?? this.trigger(reason));
    }
    const run = this.runCycle(reason).finally(() => {
      this.running = null;
      const next = this.pending;
      this.pending = null;
      if (next && !this.stopped) void this.trigger(next);
    });
    this.running = run;
    return run;
  }

  private runCycle(trigger: string): Promise<CycleOutcome> {
    const t0 = performance.now();
    const { node, execArgv, runArgs, env } = this.command;
    const entry = this.entry;
    return new Promise<CycleOutcome>((resolve) => {
      const flags = execArgv.filter((f) => !DAEMON_ONLY_FLAGS.includes(f));
      const child = spawn(node, [...flags, entry, '__cycle', trigger, this.lastFailure ?? '', ...runArgs], {
        // The malloc setting (service/malloc-env.ts) unless the daemon's environment chose another.
        env: { ...MALLOC_ENV, ...process.env, ...env, WARDEN_CYCLE_RESULT_FD: '3' },
        stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
        windowsHide: true,
      });
      this.child = child;
      const chunks: Buffer[] = [];
      let bytes = 0;
      let overflow = false;
      let timedOut = false;
      const pipe = child.stdio[3] as NodeJS.ReadableStream | null;
      pipe?.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes <= MAX_CYCLE_RESULT_BYTES) chunks.push(c);
        else if (!overflow) {
          overflow = true;
          child.kill('SIGKILL'); // a runaway: nothing it says now is read
        }
      });
      pipe?.on('error', () => undefined);
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL'); // our own child, by its handle: never a pid that could have been reused
      }, this.config.cycle_timeout_ms);
      let spawnError: string | null = null;
      child.once('error', (e) => (spawnError = e.message));
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        this.child = null;
        let result: CycleResult | null = null;
        let failure: string | null = null;
        if (spawnError) failure = `the cycle process could not start: ${spawnError}`;
        else if (timedOut) failure = `the cycle process was still running after ${this.config.cycle_timeout_ms} ms and was killed`;
        else if (overflow) failure = `the cycle process sent more than ${MAX_CYCLE_RESULT_BYTES} bytes of result and was killed`;
        else if (signal) failure = `the cycle process was killed by ${signal}`;
        else if (code !== 0) failure = `the cycle process exited with code ${code}`;
        else {
          try {
            result = validateLight(CycleResult, JSON.parse(Buffer.concat(chunks).toString('utf8')), 'cycle result');
          } catch (e) {
            failure = `the cycle process sent no valid result: ${(e as Error).message.slice(0, 300)}`;
          }
        }
        const outcome: CycleOutcome = { trigger, result, failure, exitCode: code, wallMs: performance.now() - t0 };
        this.apply(outcome);
        resolve(outcome);
      });
    });
  }

  private apply(o: CycleOutcome): void {
    const r = o.result;
    if (r) {
      if (r.bundle) this.etag = r.bundle.etag;
      if (r.bundle && r.bundle.etag === this.pushedEtag) {
        this.push?.applied(r.bundle.etag);
        this.pushedEtag = null;
      }
      // A cycle that rotated the pinned key: the socket named the old one (the server picks the copy it pushes by it).
      this.push?.refreshKey();
      if (r.watch && this.watch) {
        this.watch.setInterval(r.watch.interval_ms ?? defaultWatchInterval(this.watch.source.kind));
        this.watch.setTargets(r.watch.targets);
      }
      this.schedule(r.next_check_in_at);
    }
    this.lastFailure = o.failure;
    const error = o.failure ?? r?.fatal ?? r?.error ?? null;
    const fields = { trigger: o.trigger, wall_ms: Math.round(o.wallMs), peak_rss_mb: r?.peak_rss_mb ?? null, cpu_ms: r?.cpu_ms ?? null, decisions: r?.decisions ?? 0, events: r?.events ?? 0, watch_targets: r?.watch?.targets.length ?? null };
    if (o.failure) this.log('error', 'cycle failed', { ...fields, error: o.failure, exit_code: o.exitCode });
    else this.log(error ? 'warn' : 'info', error ? 'cycle incomplete; will retry' : 'cycle done', { ...fields, ...(error ? { error } : {}) });
    this.history.push(o);
    if (this.history.length > 50) this.history.shift();
    if (error && !r?.fatal) this.scheduleRetry();
    else this.retry.reset();
    for (const fn of this.listeners) fn(o);
  }

  private schedule(at: string | null): void {
    if (this.stopped || !at) return;
    if (this.scheduleTimer) clearTimeout(this.scheduleTimer);
    const ms = Math.max(1000, Date.parse(at) - Date.now());
    // Held (not unref'd): with push off and no watch targets, this timer is what keeps the agent alive.
    this.scheduleTimer = setTimeout(() => {
      this.scheduleTimer = null;
      if (ms >= MAX_TIMER_MS) this.schedule(at);
      else void this.trigger('schedule');
    }, Math.min(ms, MAX_TIMER_MS));
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.trigger('retry');
    }, this.retry.next()); // held: it may be all that keeps a failing agent alive to try again
  }
}

