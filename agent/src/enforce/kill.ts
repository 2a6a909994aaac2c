// block: terminate the processes the agent attributed to a banned tool, and only those. SIGTERM first
// so the tool can save state, SIGKILL after a timeout. Right before each signal the pid is re-checked
// from kernel facts: the same start time as when it was attributed (a reused pid names another
// process) and, through `recheck`, still running a file of the banned install. The same on every OS:
// the facts come from the OS's process table through a ProcessSource (process/source.ts); a pid whose
// start time or executable cannot be read again is not signalled.
import { processSource, procfsSource, type ProcessSource } from '../process/source.ts';
import type { ProcFacts } from '../process/types.ts';

export type KillOutcome = 'terminated' | 'killed' | 'gone' | 'pid_reused' | 'not_attributed' | 'failed';

export interface KillResult {
  pid: number;
  outcome: KillOutcome;
  /** ms from the first signal to the process being gone. */
  ms: number;
  error?: string;
}

export interface KillTarget {
  pid: number;
  /** Start time the pid had when it was attributed (ProcFacts.start); null/absent: not known. */
  start?: string | null;
}

export interface KillOptions {
  /** How long SIGTERM may take before SIGKILL. */
  termTimeoutMs?: number;
  /** Where process facts come from (default: this OS's source; a procRoot means /proc at that path). */
  source?: ProcessSource;
  procRoot?: string;
  /** Null when the process (read again now) is still the banned tool's; else why it is not. */
  recheck: (facts: ProcFacts) => string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number, ms: number, src: ProcessSource): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!src.alive(pid)) return true;
    await sleep(10);
  }
  return !src.alive(pid);
}

/** The start time the pid has now (null when gone or a zombie). */
async function startNow(pid: number, src: ProcessSource): Promise<string | null> {
  const f = await src.read(pid);
  return f && !f.zombie ? f.start : null;
}

function signal(pid: number, sig: NodeJS.Signals): string | null {
  try {
    process.kill(pid, sig);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

export async function terminateOne(t: KillTarget, opts: KillOptions): Promise<KillResult> {
  const src = opts.source ?? (opts.procRoot ? procfsSource(opts.procRoot) : processSource());
  const termTimeoutMs = opts.termTimeoutMs ?? 3000;
  const pid = t.pid;
  if (pid === process.pid || pid === process.ppid || pid <= 1) {
    return { pid, outcome: 'failed', ms: 0, error: 'refusing to signal the agent itself, its parent or init' };
  }
  let facts: ProcFacts | null;
  try {
    facts = await src.read(pid);
  } catch (e) {
    return { pid, outcome: 'failed', ms: 0, error: `process facts unreadable: ${(e as Error).message}; not signalled` };
  }
  if (!facts || facts.zombie) return { pid, outcome: 'gone', ms: 0 };
  if (!facts.start) return { pid, outcome: 'not_attributed', ms: 0, error: 'no start time for the pid: not signalled' };
  if (t.start && facts.start !== t.start) return { pid, outcome: 'pid_reused', ms: 0, error: 'started after it was attributed' };
  const why = opts.recheck(facts);
  if (why) return { pid, outcome: 'not_attributed', ms: 0, error: why };
  // Bracket the check: the pid still names the process that was just checked.
  if ((await startNow(pid, src)) !== facts.start) return { pid, outcome: 'gone', ms: 0 };
  const t0 = performance.now();
  const term = signal(pid, 'SIGTERM');
  if (term === 'ESRCH') return { pid, outcome: 'gone', ms: 0 };
  if (term) return { pid, outcome: 'failed', ms: 0, error: `SIGTERM: ${term}` };
  if (await waitGone(pid, termTimeoutMs, src)) return { pid, outcome: 'terminated', ms: performance.now() - t0 };
  // Still there after the grace time: SIGKILL, but only if the pid still names the same process.
  if ((await startNow(pid, src)) !== facts.start) return { pid, outcome: 'terminated', ms: performance.now() - t0 };
  const kill = signal(pid, 'SIGKILL');
  if (kill && kill !== 'ESRCH') return { pid, outcome: 'failed', ms: performance.now() - t0, error: `SIGKILL: ${kill}` };
  if (await waitGone(pid, 2000, src)) return { pid, outcome: 'killed', ms: performance.now() - t0 };
  return { pid, outcome: 'failed', ms: performance.now() - t0, error: 'still running after SIGKILL' };
}

/** Terminates all in parallel (a tool's worker processes may wait on each other). */
export async function terminateAll(targets: KillTarget[], opts: KillOptions): Promise<KillResult[]> {
  return Promise.all(targets.map((t) => terminateOne(t, opts)));
}
