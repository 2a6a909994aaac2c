// block: terminate the processes the inventory attributed to a banned tool, and only those.
// SIGTERM first so the tool can save state, SIGKILL after a timeout. Before signalling, the pid is
// re-checked (Linux: /proc) to still run the path the inventory matched, so a pid reused by another
// program since the scan is never hit.
import type { RunningProcess } from '../../../wire/src/inventory.ts';
import { isAlive, readProc, procRuns } from './procfs.ts';

export type KillOutcome = 'terminated' | 'killed' | 'gone' | 'pid_reused' | 'failed';

export interface KillResult {
  pid: number;
  outcome: KillOutcome;
  /** ms from the first signal to the process being gone. */
  ms: number;
  error?: string;
}

export interface KillOptions {
  /** How long SIGTERM may take before SIGKILL. */
  termTimeoutMs?: number;
  procRoot?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number, ms: number, procRoot: string): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive(pid, procRoot)) return true;
    await sleep(10);
  }
  return !isAlive(pid, procRoot);
}

/** Still the process the inventory saw? On Linux /proc tells; elsewhere the scan's word is taken. */
function stillSame(p: RunningProcess, procRoot: string): boolean {
  if (process.platform !== 'linux') return true;
  const info = readProc(p.pid, procRoot);
  if (!info) return false;
  return procRuns(info, [p.matched]) !== null || info.argv.some((a) => a === p.matched);
}

export async function terminateOne(p: RunningProcess, opts: KillOptions = {}): Promise<KillResult> {
  const procRoot = opts.procRoot ?? '/proc';
  const termTimeoutMs = opts.termTimeoutMs ?? 3000;
  if (p.pid === process.pid || p.pid === process.ppid || p.pid <= 1) {
    return { pid: p.pid, outcome: 'failed', ms: 0, error: 'refusing to signal the agent itself, its parent or init' };
  }
  if (!isAlive(p.pid, procRoot)) return { pid: p.pid, outcome: 'gone', ms: 0 };
  if (!stillSame(p, procRoot)) return { pid: p.pid, outcome: 'pid_reused', ms: 0 };
  const t0 = performance.now();
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return { pid: p.pid, outcome: 'gone', ms: 0 };
    return { pid: p.pid, outcome: 'failed', ms: 0, error: `SIGTERM: ${code ?? String(e)}` };
  }
  if (await waitGone(p.pid, termTimeoutMs, procRoot)) return { pid: p.pid, outcome: 'terminated', ms: performance.now() - t0 };
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ESRCH') return { pid: p.pid, outcome: 'failed', ms: performance.now() - t0, error: `SIGKILL: ${code ?? String(e)}` };
  }
  if (await waitGone(p.pid, 2000, procRoot)) return { pid: p.pid, outcome: 'killed', ms: performance.now() - t0 };
  return { pid: p.pid, outcome: 'failed', ms: performance.now() - t0, error: 'still running after SIGKILL' };
}

/** Terminates all in parallel (a tool's worker processes may wait on each other). */
export async function terminateAll(procs: RunningProcess[], opts: KillOptions = {}): Promise<KillResult[]> {
  return Promise.all(procs.map((p) => terminateOne(p, opts)));
}
