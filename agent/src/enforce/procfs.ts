// Reading the process table from /proc (Linux) without spawning `ps`: cheap enough to poll.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ProcInfo {
  pid: number;
  /** argv, NUL-split (empty for kernel threads and processes we may not read). */
  argv: string[];
  /** resolved executable, null when unreadable. */
  exe: string | null;
  /** one-letter state from /proc/<pid>/stat (Z = zombie), null when unreadable. */
  state: string | null;
  /** working folder, to resolve a script given by relative path (`node ./cli.js`); null when unreadable. */
  cwd: string | null;
}

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

export function procState(pid: number, procRoot = '/proc'): string | null {
  try {
    const stat = readFileSync(join(procRoot, String(pid), 'stat'), 'utf8');
    // comm may hold spaces and parentheses: the state follows the LAST ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}

export function readProc(pid: number, procRoot = '/proc'): ProcInfo | null {
  const dir = join(procRoot, String(pid));
  let argv: string[];
  try {
    argv = readFileSync(join(dir, 'cmdline'), 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
  } catch {
    return null; // exited meanwhile
  }
  let exe: string | null = null;
  try {
    exe = readlinkSync(join(dir, 'exe'));
  } catch {
    exe = null;
  }
  let cwd: string | null = null;
  try {
    cwd = readlinkSync(join(dir, 'cwd'));
  } catch {
    cwd = null;
  }
  return { pid, argv, exe, state: procState(pid, procRoot), cwd };
}

/** True while the pid exists and is not a zombie. */
export function isAlive(pid: number, procRoot = '/proc'): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform === 'linux') return procState(pid, procRoot) !== 'Z';
  return true;
}

/** Does `p` equal `prefix` or lie inside it? */
export function pathWithin(p: string, prefix: string): boolean {
  return p === prefix || p.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/**
 * Does the process run one of these paths: as its executable, or as the script an interpreter
 * (node, python, …) was given? Only argv entries that look like paths are compared, and only the
 * first few, so an unrelated process merely mentioning the path (an editor, `ls`) is not matched.
 */
export function procRuns(info: ProcInfo, paths: string[]): string | null {
  const candidates: string[] = [];
  if (info.exe) candidates.push(info.exe);
  const firstArgs = info.argv.slice(0, 3);
  for (const a of firstArgs) {
    if (a.startsWith('/')) candidates.push(a);
    else if (info.cwd && a.includes('/') && !a.startsWith('-')) candidates.push(resolve(info.cwd, a));
  }
  for (const c of candidates) for (const p of paths) if (pathWithin(c, p)) return p;
  return null;
}
