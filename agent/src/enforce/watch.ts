// The process watch: keeps banned tools from coming back after a block. Polls /proc (no `ps`
// spawning): lists pids, and only for pids not seen before (or that exec'ed since) reads the kernel's facts and compares the
// files the process runs (its executable, or an interpreter's proven script: process/attribute.ts) with
// the banned installs' proven paths. argv alone never matches. A match is terminated (short SIGTERM
// grace, then SIGKILL), re-checked right before each signal.
import { existsSync, readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { check } from '../../../wire/src/validate.ts';
import { writeFileDurable } from './durable.ts';
import { runningFiles } from '../process/attribute.ts';
import { listPids, ownNamespace, readExe, readProcess } from '../process/linux.ts';
import type { ProcFacts } from '../process/types.ts';
import { terminateOne, type KillResult } from './kill.ts';

/** Polls during which a new pid's executable is re-read (an exec right after fork). */
const YOUNG_POLLS = 4;
/** Every this many polls every pid's executable is re-read (a delayed exec). */
const SWEEP_EVERY = 10;

export const WatchTarget = Type.Object(
  {
    tool: Type.String(),
    finding: Type.String(),
    rule: Type.String(),
    reason: Type.String(),
    bundle_revision: Type.String(),
    paths: Type.Array(Type.String({ minLength: 2 }), { minItems: 1, description: 'proven install paths whose execution is banned' }),
  },
  { additionalProperties: false },
);
export type WatchTarget = Static<typeof WatchTarget>;
const WatchFile = Type.Object({ targets: Type.Array(WatchTarget) }, { additionalProperties: false });

export function saveWatchList(path: string, targets: WatchTarget[]): void {
  writeFileDurable(path, `${JSON.stringify({ targets }, null, 2)}\n`);
}

export function loadWatchList(path: string): WatchTarget[] {
  if (!existsSync(path)) return [];
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return check(WatchFile, v).length === 0 ? (v as { targets: WatchTarget[] }).targets : [];
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

export interface WatchOptions {
  intervalMs?: number;
  procRoot?: string;
  onKill?: (k: WatchKill) => void;
}

export class ProcessWatch {
  /**
   * pid → the executable it ran when last examined and the poll it was first seen at. An exec (a shell
   * or `env` starting the tool in a pid already seen) changes the executable: young pids are re-read
   * every poll (exec follows fork within milliseconds), all pids every SWEEP_EVERY polls (a delayed
   * exec is caught within seconds) — reading every pid's exe link every poll would cost ~2.5 ms here.
   */
  private seen = new Map<number, { exe: string | null; tick: number }>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly namespace = ownNamespace();
  readonly intervalMs: number;
  ticks = 0;

  constructor(
    private targets: WatchTarget[],
    private readonly opts: WatchOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 500;
  }

  setTargets(targets: WatchTarget[]): void {
    this.targets = targets;
    this.seen.clear(); // re-examine everything against the new list
  }

  start(): void {
    if (this.timer || process.platform !== 'linux') return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass over /proc; returns the kills it made. */
  async tick(): Promise<WatchKill[]> {
    if (this.busy || this.targets.length === 0) return [];
    this.busy = true;
    this.ticks++;
    const kills: Promise<WatchKill>[] = [];
    try {
      const procRoot = this.opts.procRoot ?? '/proc';
      const pids = listPids(procRoot);
      const live = new Set(pids);
      for (const pid of this.seen.keys()) if (!live.has(pid)) this.seen.delete(pid);
      const sweep = this.ticks % SWEEP_EVERY === 0;
      for (const pid of pids) {
        if (pid === process.pid || pid === process.ppid) continue;
        const known = this.seen.get(pid);
        if (known && !sweep && this.ticks - known.tick > YOUNG_POLLS) continue;
        const exe = readExe(pid, procRoot);
        if (known && known.exe === exe) continue;
        this.seen.set(pid, { exe, tick: known?.tick ?? this.ticks });
        const info = readProcess(pid, procRoot);
        if (!info) continue;
        const hit = this.banned(info);
        if (!hit) continue;
        const t0 = performance.now();
        const recheck = (now: ProcFacts): string | null => (this.banned(now)?.file === hit.file ? null : 'no longer runs a banned file');
        kills.push(
          terminateOne({ pid, start: info.start }, { termTimeoutMs: 500, procRoot, recheck }).then((result) => {
            const k: WatchKill = { target: hit.target, pid, file: hit.file, result, ms: performance.now() - t0 };
            this.opts.onKill?.(k);
            return k;
          }),
        );
      }
      return await Promise.all(kills);
    } finally {
      this.busy = false;
    }
  }

  /** The watch target whose install holds a file this process runs, or null. */
  private banned(p: ProcFacts): { target: WatchTarget; file: string } | null {
    for (const f of runningFiles(p, this.namespace)) {
      for (const target of this.targets) if (target.paths.some((t) => f.path === t || f.path.startsWith(t.endsWith('/') ? t : `${t}/`))) return { target, file: f.path };
    }
    return null;
  }
}
