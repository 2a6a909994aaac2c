// One interface over each OS's process table, so inventory, kill and the process watch apply the same
// proof rules everywhere (attribute.ts): a process is attributed by the executable the OS says it
// runs (or an interpreter's script that exists in a proven install), never by argv alone, and a kill
// re-reads the pid's facts right before each signal (enforce/kill.ts).
//   procfs  Linux: /proc read directly (linux.ts) — no process spawned
//   ps      macOS (and any Unix with ps + lsof, so it runs on Linux too): ps.ts
//   cim     Windows: Win32_Process through PowerShell (win32.ts)
import { isAlive as procAlive, listPids, listProcesses, ownNamespace, readExe, readProcess } from './linux.ts';
import { lsofOf, psFacts, psPoll, psRows } from './ps.ts';
import type { ProcFacts } from './types.ts';
import { runCim, watchStarts } from './win32.ts';

export type SourceKind = 'procfs' | 'ps' | 'cim';

/**
 * One row of a cheap listing: `key` changes when the pid names another process or exec'ed another
 * program; null when this pass did not look (procfs reads the exe link only of pids it is asked to).
 */
export interface PollRow {
  pid: number;
  key: string | null;
}

export interface ProcessSource {
  readonly kind: SourceKind;
  /** Every process with full facts. */
  list(): Promise<ProcFacts[]>;
  /** Full facts of these pids (those still running). */
  facts(pids: number[]): Promise<ProcFacts[]>;
  /** One pid's facts now (null when gone): the check right before a signal. */
  read(pid: number): Promise<ProcFacts | null>;
  /** The watch's cheap pass: every pid with its change key (`look`: pids whose key must be read). */
  poll(look: (pid: number) => boolean): Promise<PollRow[]>;
  /** True while the pid exists and is not a zombie. */
  alive(pid: number): boolean;
  /** Where the OS offers a cheap process-start event stream: each new process's facts as it starts; returns stop. */
  subscribe?(onStart: (p: ProcFacts) => void): () => void;
  /** This agent's mount namespace (Linux); null where there is none. */
  namespace(): string | null;
}

function signalAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function procfsSource(procRoot = '/proc'): ProcessSource {
  return {
    kind: 'procfs',
    list: () => Promise.resolve(listProcesses(procRoot)),
    facts: (pids) => Promise.resolve(pids.map((p) => readProcess(p, procRoot)).filter((p): p is ProcFacts => p !== null)),
    read: (pid) => Promise.resolve(readProcess(pid, procRoot)),
    // Reading every pid's exe link each poll costs ~2.5 ms: only the pids the watch asks about.
    poll: (look) => Promise.resolve(listPids(procRoot).map((pid) => ({ pid, key: look(pid) ? (readExe(pid, procRoot) ?? '') : null }))),
    alive: (pid) => procAlive(pid, procRoot),
    namespace: () => ownNamespace(),
  };
}

export function psSource(): ProcessSource {
  const facts = async (pids?: number[]): Promise<ProcFacts[]> => {
    const rows = (await psRows(pids)).filter((r) => r.pid !== process.pid);
    if (rows.length === 0) return [];
    const lsof = await lsofOf(rows.map((r) => r.pid));
    return rows.map((r) => psFacts(r, lsof.get(r.pid)));
  };
  return {
    kind: 'ps',
    list: () => facts(),
    facts: (pids) => facts(pids),
    read: async (pid) => (await facts([pid]))[0] ?? null,
    // One light ps per poll; argv and lsof only for pids whose key changed. An exec keeps pid and
    // start but changes the kernel's command name.
    poll: () => psPoll(),
    alive: (pid) => {
      if (!signalAlive(pid)) return false;
      if (process.platform === 'linux') return procAlive(pid);
      return true;
    },
    namespace: () => null,
  };
}

export function cimSource(): ProcessSource {
  // A poll already holds every process's full facts: the watch's facts() right after it reuses them
  // instead of starting PowerShell again. Never used for read(), the check before a signal.
  let polled: { at: number; byPid: Map<number, ProcFacts> } | null = null;
  return {
    kind: 'cim',
    list: () => runCim(),
    facts: async (pids) => {
      const fresh = polled && Date.now() - polled.at < 1000 ? polled.byPid : new Map((await runCim()).map((p) => [p.pid, p]));
      return pids.map((p) => fresh.get(p)).filter((p): p is ProcFacts => p !== undefined);
    },
    read: async (pid) => (await runCim(pid)).find((p) => p.pid === pid) ?? null,
    poll: async () => {
      const all = await runCim();
      polled = { at: Date.now(), byPid: new Map(all.map((p) => [p.pid, p])) };
      return all.map((p) => ({ pid: p.pid, key: `${p.start ?? ''}\0${p.exe ?? ''}` }));
    },
    alive: signalAlive,
    subscribe: (onStart) => watchStarts(onStart),
    namespace: () => null,
  };
}

/** The source for this OS: /proc on Linux, ps + lsof on macOS (and other Unixes), Win32_Process on Windows. */
export function processSource(platform: NodeJS.Platform = process.platform): ProcessSource {
  if (platform === 'linux') return procfsSource();
  if (platform === 'win32') return cimSource();
  return psSource();
}
