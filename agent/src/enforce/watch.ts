// The process watch: keeps banned tools from coming back after a block. Polls the OS's process table
// through a ProcessSource (process/source.ts: /proc on Linux — no process spawned —, ps + lsof on
// macOS, Win32_Process on Windows) at the interval the bundle sets. Only pids not seen before (or that
// exec'ed since) have their facts read; the files the process runs (its executable, or an
// interpreter's proven script: process/attribute.ts) are compared with the banned installs' proven
// paths. argv alone never matches. A match is terminated (short SIGTERM grace, then SIGKILL),
// re-checked right before each signal.
import { existsSync, readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { WatchTarget } from '../../../wire/src/cycle-result.ts';
import type { EnforcementEvent } from '../../../wire/src/event.ts';
import { checkLight } from '../../../wire/src/validate-light.ts';
import { writeFileDurable } from './durable.ts';
import { runningFiles } from '../process/attribute.ts';
import { processSource, procfsSource, type ProcessSource, type SourceKind } from '../process/source.ts';
import type { ProcFacts } from '../process/types.ts';
import { terminateOne, type KillResult } from './kill.ts';

/** Default poll interval when the bundle sets none (ban list `watch.interval_ms`): /proc costs ~nothing to read. */
export const DEFAULT_WATCH_INTERVAL_MS = 500;

/**
 * The default per process source: a poll that starts a process (ps on macOS, PowerShell on Windows)
 * costs milliseconds of CPU each, so those poll less often (bench/process-sources.ts).
 */
export function defaultWatchInterval(kind: SourceKind): number {
  // Windows: process starts arrive as events (Win32_ProcessStartTrace); the poll only backs them up.
  return kind === 'procfs' ? DEFAULT_WATCH_INTERVAL_MS : kind === 'ps' ? 2000 : 30_000;
}
/** Polls during which a new pid's executable is re-read (an exec right after fork). */
const YOUNG_POLLS = 4;
/** Every this many polls every pid's executable is re-read (a delayed exec). */
const SWEEP_EVERY = 10;

// The daemon (agent/src/sync/daemon.ts) runs the watch: nothing here may load ajv, axios or the SDKs.
export { WatchTarget };
const WatchFile = Type.Object({ targets: Type.Array(WatchTarget) }, { additionalProperties: false });

export function saveWatchList(path: string, targets: WatchTarget[]): void {
  writeFileDurable(path, `${JSON.stringify({ targets }, null, 2)}\n`);
}

export function loadWatchList(path: string): WatchTarget[] {
  if (!existsSync(path)) return [];
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return checkLight(WatchFile, v).length === 0 ? (v as { targets: WatchTarget[] }).targets : [];
  } catch {
    return [];
  }
}

export interface WatchKill {
  target: WatchTarget;
  pid: number;
  /** The banned file it ran (its executable or script), never its arguments. */
  file: string;
  result: KillResult;
  /** ms from the watch first seeing the pid to the process being gone. */
  ms: number;
}

/** The enforcement event a watch kill is recorded as, wherever the watch runs (daemon, cycle, `enforce`). */
export function watchKillEvent(k: WatchKill): Omit<EnforcementEvent, 'id' | 'time'> {
  return {
    kind: 'watch_kill',
    tool: k.target.tool,
    finding: k.target.finding,
    action: 'block',
    rule: k.target.rule,
    reason: k.target.reason,
    bundle_revision: k.target.bundle_revision,
    result: k.result.outcome === 'failed' ? 'failed' : 'ok',
    detail: `pid ${k.pid} (${k.file}) ${k.result.outcome} ${Math.round(k.ms)} ms after the watch saw it`,
    pids: [k.pid],
  };
}

export interface WatchOptions {
  intervalMs?: number;
  /** Where process facts come from (default: this OS's source; a procRoot means /proc at that path). */
  source?: ProcessSource;
  procRoot?: string;
  onKill?: (k: WatchKill) => void;
}

export class ProcessWatch {
  /**
   * pid → the change key it had when last examined (its executable on Linux, start + argv from ps,
   * start + image from Windows) and the poll it was first seen at. An exec (a shell or `env` starting
   * the tool in a pid already seen) changes the key: on Linux young pids are re-read every poll (exec
   * follows fork within milliseconds), all pids every SWEEP_EVERY polls (a delayed exec is caught
   * within seconds) — reading every pid's exe link every poll would cost ~2.5 ms here.
   */
  private seen = new Map<number, { key: string; tick: number }>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Pids being signalled now (an event and a poll may both see the same new process). */
  private readonly killing = new Set<number>();
  private busy = false;
  readonly source: ProcessSource;
  private readonly namespace: string | null;
  private interval: number;
  ticks = 0;

  constructor(
    private targets: WatchTarget[],
    private readonly opts: WatchOptions = {},
  ) {
    this.source = opts.source ?? (opts.procRoot ? procfsSource(opts.procRoot) : processSource());
    this.interval = opts.intervalMs ?? defaultWatchInterval(this.source.kind);
    this.namespace = this.source.namespace();
  }

  get intervalMs(): number {
    return this.interval;
  }

  setTargets(targets: WatchTarget[]): void {
    this.targets = targets;
    this.seen.clear(); // re-examine everything against the new list
  }

  /** A new poll interval (from a new bundle); a running watch continues at it. */
  setInterval(ms: number): void {
    if (ms === this.interval) return;
    this.interval = ms;
    if (this.timer) {
      this.stop();
      this.start();
    }
  }

  /**
   * Polls at the interval; where the source has a process-start event stream (Windows:
   * Win32_ProcessStartTrace) each new process is also examined as it starts, and the poll only
   * catches what an event missed.
   */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch(() => undefined), this.interval);
    this.timer.unref();
    if (!this.unsubscribe && this.source.subscribe) {
      this.unsubscribe = this.source.subscribe((info) => void this.examine([info]).catch(() => undefined));
    }
    void this.tick().catch(() => undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** One pass over the process table; returns the kills it made. */
  async tick(): Promise<WatchKill[]> {
    if (this.busy || this.targets.length === 0) return [];
    this.busy = true;
    this.ticks++;
    try {
      const sweep = this.ticks % SWEEP_EVERY === 0;
      const look = (pid: number): boolean => {
        const known = this.seen.get(pid);
        return !known || sweep || this.ticks - known.tick <= YOUNG_POLLS;
      };
      const rows = await this.source.poll(look);
      const live = new Set(rows.map((r) => r.pid));
      for (const pid of this.seen.keys()) if (!live.has(pid)) this.seen.delete(pid);
      const changed: number[] = [];
      for (const { pid, key } of rows) {
        if (pid === process.pid || pid === process.ppid || key === null) continue;
        const known = this.seen.get(pid);
        if (known && known.key === key) continue;
        this.seen.set(pid, { key, tick: known?.tick ?? this.ticks });
        changed.push(pid);
      }
      if (changed.length === 0) return [];
      return await this.examine(await this.source.facts(changed));
    } finally {
      this.busy = false;
    }
  }

  /** Kills those of these processes that run a banned file (each re-checked before its signal). */
  async examine(infos: ProcFacts[]): Promise<WatchKill[]> {
    const kills: Promise<WatchKill>[] = [];
    for (const info of infos) {
      if (info.pid === process.pid || info.pid === process.ppid || this.killing.has(info.pid)) continue;
      const hit = this.banned(info);
      if (!hit) continue;
      this.killing.add(info.pid);
      const t0 = performance.now();
      const recheck = (now: ProcFacts): string | null => (this.banned(now)?.file === hit.file ? null : 'no longer runs a banned file');
      kills.push(
        terminateOne({ pid: info.pid, start: info.start }, { termTimeoutMs: 500, source: this.source, recheck }).then((result) => {
          const k: WatchKill = { target: hit.target, pid: info.pid, file: hit.file, result, ms: performance.now() - t0 };
          this.killing.delete(info.pid);
          this.opts.onKill?.(k);
          return k;
        }),
      );
    }
    return Promise.all(kills);
  }

  /** The watch target whose install holds a file this process runs, or null. */
  private banned(p: ProcFacts): { target: WatchTarget; file: string } | null {
    for (const f of runningFiles(p, this.namespace)) {
      for (const target of this.targets) if (target.paths.some((t) => f.path === t || f.path.startsWith(t.endsWith('/') ? t : `${t}/`))) return { target, file: f.path };
    }
    return null;
  }
}
