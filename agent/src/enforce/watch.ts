// The process watch: keeps banned tools from coming back after a block. Polls /proc (no `ps`
// spawning): lists pids, and only for pids not seen before reads cmdline and exe and compares them with
// the banned tools' install paths. A match is terminated (short SIGTERM grace, then SIGKILL).
import { existsSync, readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { check } from '../../../wire/src/validate.ts';
import { writeFileDurable } from './durable.ts';
import { terminateOne, type KillResult } from './kill.ts';
import { listPids, readProc, procRuns } from './procfs.ts';

export const WatchTarget = Type.Object(
  {
    tool: Type.String(),
    finding: Type.String(),
    rule: Type.String(),
    reason: Type.String(),
    bundle_revision: Type.String(),
    paths: Type.Array(Type.String({ minLength: 2 }), { minItems: 1, description: 'install paths whose execution is banned' }),
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
  argv0: string;
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
  private seen = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
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
      for (const pid of this.seen) if (!live.has(pid)) this.seen.delete(pid);
      const allPaths = this.targets.flatMap((t) => t.paths);
      for (const pid of pids) {
        if (this.seen.has(pid)) continue;
        this.seen.add(pid);
        if (pid === process.pid || pid === process.ppid) continue;
        const info = readProc(pid, procRoot);
        if (!info || info.argv.length === 0) continue;
        const hit = procRuns(info, allPaths);
        if (!hit) continue;
        const target = this.targets.find((t) => t.paths.includes(hit));
        if (!target) continue;
        const t0 = performance.now();
        const matched = info.exe && info.exe.startsWith(hit) ? info.exe : info.argv.find((a) => a.startsWith(hit)) ?? hit;
        kills.push(
          terminateOne({ pid, name: info.argv[0] ?? '', matched }, { termTimeoutMs: 500, procRoot }).then((result) => {
            const k: WatchKill = { target, pid, argv0: info.argv[0] ?? '', result, ms: performance.now() - t0 };
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
}
