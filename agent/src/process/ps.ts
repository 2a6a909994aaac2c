// Process facts without /proc (macOS; any Unix with ps and lsof): the OS's own listing.
//   ps   -axww -o pid=,ppid=,uid=,stat=,lstart=,args=   pid, parent, real uid, state, start, argv
//   lsof -nP -w -a -p <pids> -d txt,cwd -Fpcfn          the executable (the "txt" file the kernel
//                                                       maps as program text) and the working folder
// ps's argv and command name are chosen by the process (exec -a, setprogname): they never name the
// executable. The executable is lsof's text file — on macOS lsof reads it from the kernel's mapped
// regions (proc_pidinfo), on Linux from /proc/<pid>/exe. A process maps more than one text file on
// macOS (dyld, dylibs); the executable is the one whose name the kernel recorded as the process's
// command (p_comm, lsof's `c` field, set by exec from the file's name, not from argv), else the first.
// Start time: lstart to the second, printed in UTC (TZ=UTC) so it never shifts with daylight saving.
// Both parsers are pure and tested against recorded outputs of macOS and Linux
// (test/process/fixtures/); this source also runs for real on Linux, where ps and lsof exist.
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import type { ProcFacts } from './types.ts';

const MONTHS: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' };

export const PS_FORMAT = 'pid=,ppid=,uid=,stat=,lstart=,args=';
/**
 * The watch's light listing: pid, start and the kernel's command name (ucomm: set by exec from the
 * executed file's name, so an exec in a pid changes it). No argv: on macOS reading every process's
 * arguments (KERN_PROCARGS2) is most of ps's cost.
 */
export const PS_POLL_FORMAT = 'pid=,lstart=,ucomm=';
/** The fixed environment ps and lsof run in: C locale (English month names), UTC start times. */
export const TOOL_ENV = { LC_ALL: 'C', LANG: 'C', TZ: 'UTC', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

export interface PsRow {
  pid: number;
  ppid: number;
  uid: number;
  stat: string;
  /** lstart as an ISO UTC time to the second, e.g. 2026-12-03T08:27:52Z. */
  start: string;
  args: string;
}

/** `Thu Dec  3 08:27:52 2026` (ctime layout, printed under TZ=UTC) → `2026-12-03T08:27:52Z`; null when not that layout. */
export function lstartToIso(dow: string, mon: string, day: string, time: string, year: string): string | null {
  const m = MONTHS[mon];
  if (!m || !/^[A-Z][a-z]{2}$/.test(dow) || !/^\d{1,2}$/.test(day) || !/^\d{2}:\d{2}:\d{2}$/.test(time) || !/^\d{4}$/.test(year)) return null;
  return `${year}-${m}-${day.padStart(2, '0')}T${time}Z`;
}

/** Parses `ps -o pid=,ppid=,uid=,stat=,lstart=,args=` output; lines that do not fit the layout are skipped. */
export function parsePs(stdout: string): PsRow[] {
  const out: PsRow[] = [];
  for (const line of stdout.split('\n')) {
    // pid ppid uid stat | lstart (5 fields) | args (the rest, may be empty for a zombie on macOS)
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)(?: (.*))?$/.exec(line);
    if (!m) continue;
    const start = lstartToIso(m[5]!, m[6]!, m[7]!, m[8]!, m[9]!);
    if (!start) continue;
    out.push({ pid: Number(m[1]), ppid: Number(m[2]), uid: Number(m[3]), stat: m[4]!, start, args: (m[10] ?? '').trim() });
  }
  return out;
}

/** Parses `ps -o pid=,lstart=,ucomm=` output into pid → change key (start + command name). */
export function parsePsPoll(stdout: string): { pid: number; key: string }[] {
  const out: { pid: number; key: string }[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)(?: (.*))?$/.exec(line);
    if (!m) continue;
    const start = lstartToIso(m[2]!, m[3]!, m[4]!, m[5]!, m[6]!);
    if (start) out.push({ pid: Number(m[1]), key: `${start}\0${(m[7] ?? '').trim()}` });
  }
  return out;
}

export async function psPoll(): Promise<{ pid: number; key: string }[]> {
  return parsePsPoll(await run('ps', ['-ax', '-o', PS_POLL_FORMAT]));
}

export interface LsofProc {
  /** The kernel's command name (macOS p_comm: from the executed file's name, up to 16 characters). */
  command: string;
  txt: string[];
  cwd: string | null;
}

/** Parses `lsof -F pcfn` output (one field per line: p<pid>, c<command>, f<fd>, n<name>). */
export function parseLsof(stdout: string): Map<number, LsofProc> {
  const out = new Map<number, LsofProc>();
  let cur: LsofProc | null = null;
  let fd = '';
  for (const line of stdout.split('\n')) {
    const tag = line[0];
    const v = line.slice(1);
    if (tag === 'p') {
      const pid = Number(v);
      cur = Number.isInteger(pid) && pid > 0 ? { command: '', txt: [], cwd: null } : null;
      if (cur) out.set(pid, cur);
      fd = '';
    } else if (!cur) continue;
    else if (tag === 'c') cur.command = v;
    else if (tag === 'f') fd = v;
    else if (tag === 'n') {
      if (fd === 'txt') cur.txt.push(v);
      else if (fd === 'cwd') cur.cwd = v;
    }
  }
  return out;
}

/** The executable among a process's text files: the one the kernel's command name names, else the first. */
export function executableOf(p: LsofProc): string | null {
  const files = p.txt.filter((t) => t.startsWith('/') && !/ \(deleted\)$/.test(t));
  if (files.length === 0) return null;
  if (p.command) {
    const named = files.find((t) => basename(t).startsWith(p.command) || (p.command.length >= 15 && basename(t).startsWith(p.command.slice(0, 15))));
    if (named) return named;
  }
  return files[0]!;
}

/** ProcFacts from one ps row and (when lsof saw the process) its lsof record. */
export function psFacts(row: PsRow, lsof: LsofProc | undefined): ProcFacts {
  const argv = row.args === '' ? [] : row.args.split(' ').filter((a) => a !== '');
  return {
    pid: row.pid,
    ppid: row.ppid,
    start: row.start,
    uid: row.uid,
    name: lsof?.command ?? '',
    exe: lsof ? executableOf(lsof) : null,
    argv,
    argvJoined: true,
    cwd: lsof?.cwd ?? null,
    namespace: null,
    zombie: row.stat.startsWith('Z'),
  };
}

function run(cmd: string, args: string[], okCodes: number[] = [0]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: TOOL_ENV, maxBuffer: 64 * 1024 * 1024, timeout: 20_000 }, (err, stdout) => {
      // lsof exits 1 when some selected pid has no matching file (e.g. it just exited): its output is still good.
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? -1 : 0;
      if (err && !okCodes.includes(code)) reject(new Error(`${cmd} failed: ${err.message}`));
      else resolve(stdout);
    });
  });
}

export async function psRows(pids?: number[]): Promise<PsRow[]> {
  if (pids && pids.length === 0) return [];
  const args = pids ? ['-ww', '-o', PS_FORMAT, '-p', pids.join(',')] : ['-axww', '-o', PS_FORMAT];
  // ps exits 1 when a selected pid does not exist.
  return parsePs(await run('ps', args, pids ? [0, 1] : [0]));
}

/** lsof records of these pids (all processes when omitted), in batches so the argument list stays short. */
export async function lsofOf(pids?: number[]): Promise<Map<number, LsofProc>> {
  if (!pids) return parseLsof(await run('lsof', ['-nP', '-w', '-d', 'txt,cwd', '-Fpcfn'], [0, 1]));
  const out = new Map<number, LsofProc>();
  for (let i = 0; i < pids.length; i += 200) {
    const batch = pids.slice(i, i + 200);
    for (const [k, v] of parseLsof(await run('lsof', ['-nP', '-w', '-a', '-p', batch.join(','), '-d', 'txt,cwd', '-Fpcfn'], [0, 1]))) out.set(k, v);
  }
  return out;
}
