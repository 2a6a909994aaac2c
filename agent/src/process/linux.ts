// Process facts from the Linux kernel (/proc), read directly: cheap enough to poll, no `ps` spawned.
// The executable is /proc/<pid>/exe (the kernel's link to the file it runs, whatever argv says), the
// owner the real uid in /proc/<pid>/status, the start time field 22 of /proc/<pid>/stat (clock ticks
// after boot: with the pid it names one process, so a reused pid is told apart).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcFacts } from './types.ts';

export function listPids(procRoot = '/proc'): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return out;
  }
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(n));
  }
  return out;
}

/** State letter and start time from /proc/<pid>/stat; comm may hold spaces and ')' so fields follow the LAST ')'. */
export function readStat(pid: number, procRoot = '/proc'): { state: string; start: string; ppid: number } | null {
  try {
    const stat = readFileSync(join(procRoot, String(pid), 'stat'), 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!f[0] || !f[19]) return null;
    return { state: f[0], start: f[19], ppid: Number(f[1]) };
  } catch {
    return null;
  }
}

function readlinkOrNull(p: string): string | null {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}

export function readProcess(pid: number, procRoot = '/proc'): ProcFacts | null {
  const dir = join(procRoot, String(pid));
  const stat = readStat(pid, procRoot);
  if (!stat) return null; // exited meanwhile
  let argv: string[] = [];
  let name = '';
  let uid: number | null = null;
  try {
    argv = readFileSync(join(dir, 'cmdline'), 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    name = readFileSync(join(dir, 'comm'), 'utf8').trim();
    const u = /^Uid:\s+(\d+)/m.exec(readFileSync(join(dir, 'status'), 'utf8'))?.[1];
    uid = u === undefined ? null : Number(u);
  } catch {
    return null;
  }
  const exe = readlinkOrNull(join(dir, 'exe'));
  return {
    pid,
    start: stat.start,
    ppid: stat.ppid,
    uid,
    name,
    // A binary deleted or replaced since it started: the kernel no longer names a file for it.
    exe: exe && !exe.endsWith(' (deleted)') ? exe : null,
    argv,
    cwd: readlinkOrNull(join(dir, 'cwd')),
    namespace: readlinkOrNull(join(dir, 'ns', 'mnt')),
    zombie: stat.state === 'Z',
  };
}

/** Just the executable link (cheap: the watch polls it for every pid to notice an exec). */
export function readExe(pid: number, procRoot = '/proc'): string | null {
  return readlinkOrNull(join(procRoot, String(pid), 'exe'));
}

/** The start time token of a pid now (null when it is gone). */
export function startOf(pid: number, procRoot = '/proc'): string | null {
  return readStat(pid, procRoot)?.start ?? null;
}

/** True while the pid exists and is not a zombie. */
export function isAlive(pid: number, procRoot = '/proc'): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform === 'linux') return readStat(pid, procRoot)?.state !== 'Z';
  return true;
}

/** This agent's own mount namespace: paths of processes in another one (containers) are not ours to resolve. */
export function ownNamespace(): string | null {
  return readlinkOrNull('/proc/self/ns/mnt');
}

/** user names by uid (/etc/passwd); empty when unreadable. */
export function passwdUsers(): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 3) m.set(Number(f[2]), f[0]!);
    }
  } catch {
    // no passwd file: users stay unnamed
  }
  return m;
}

export function listProcesses(procRoot = '/proc'): ProcFacts[] {
  const out: ProcFacts[] = [];
  for (const pid of listPids(procRoot)) {
    if (pid === process.pid) continue;
    const p = readProcess(pid, procRoot);
    if (p) out.push(p);
  }
  return out;
}
