// Running AI tools. On Linux /proc is read directly (cheap, no child processes); elsewhere the
// systeminformation process list is used. A process is matched by its resolved argv path —
// `node …/@anthropic-ai/claude-code/cli.js` is Claude Code although the process is `node` — or by
// an unambiguous process name. Only the matching path is kept: command lines can hold API keys.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type { Catalog } from '../../../wire/src/catalog.ts';
import type { Hit } from './hit.ts';
import { matchesAnchor, originOf } from './resolve-origin.ts';
import type { ScanFs } from './scanfs.ts';

export type ProcInfo = { pid: number; name: string; user?: string; paths: string[] };

function passwdUsers(): Map<number, string> {
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

const pathLike = (s: string) => s.includes('/') || s.includes('\\');

/** The executable and the script it runs: argv[0] and the first non-option argument. */
function argvPaths(argv: string[]): string[] {
  const out: string[] = [];
  if (argv[0]) out.push(argv[0]);
  const script = argv.slice(1).find((a) => !a.startsWith('-'));
  if (script && pathLike(script)) out.push(script);
  return out;
}

export function listProcFs(): ProcInfo[] {
  const users = passwdUsers();
  const out: ProcInfo[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return out;
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const name = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1];
      const paths = argvPaths(argv);
      try {
        paths.unshift(readlinkSync(`/proc/${p}/exe`));
      } catch {
        // other users' exe links need privileges; argv is enough
      }
      const info: ProcInfo = { pid, name, paths: [...new Set(paths)] };
      const user = uid !== undefined ? (users.get(Number(uid)) ?? `uid:${uid}`) : undefined;
      if (user) info.user = user;
      out.push(info);
    } catch {
      // the process exited while being read
    }
  }
  return out;
}

export async function listSystemInformation(): Promise<ProcInfo[]> {
  const si = (await import('systeminformation')).default;
  const { list } = await si.processes();
  return list
    .filter((p) => p.pid !== process.pid)
    .map((p) => {
      const paths: string[] = [];
      if (p.path && p.command) paths.push(`${p.path}/${p.command}`);
      else if (p.command) paths.push(p.command);
      const first = (p.params ?? '').split(' ').find((a) => a && !a.startsWith('-'));
      if (first && pathLike(first)) paths.push(first);
      const info: ProcInfo = { pid: p.pid, name: p.name, paths };
      if (p.user) info.user = p.user;
      return info;
    });
}

export async function listProcesses(): Promise<ProcInfo[]> {
  return process.platform === 'linux' ? listProcFs() : listSystemInformation();
}

export function matchProcesses(fs: ScanFs, catalog: Catalog, procs: ProcInfo[]): Hit[] {
  const hits: Hit[] = [];
  for (const p of procs) {
    for (const tool of catalog.tools) {
      let matched: string | null = null;
      for (const path of p.paths) {
        if (matchesAnchor(tool, path.replace(/\\/g, '/'))) {
          matched = path;
          break;
        }
      }
      const byName = !matched && tool.process.names.some((n) => n === p.name || (p.name.length === 15 && n.startsWith(p.name)) || p.paths.some((x) => basename(x) === n));
      if (!matched && !byName) continue;
      const where = matched ?? p.paths[0] ?? p.name;
      // By name, the executable's own path can still say where it came from (a native
      // installer's versions/<v> file, a binary inside an npm package).
      const origin = matched ? originOf(fs, tool, matched) : p.paths[0] ? originOf(fs, tool, p.paths[0]) : null;
      const hit: Hit = {
        tool: tool.id,
        user: p.user ?? null,
        channel: origin?.channel ?? 'process',
        signal: 'process',
        path: origin?.path ?? where,
        strong: true,
        detail: matched ? 'argv path matched' : 'process name matched',
        running: { pid: p.pid, name: p.name, matched: where },
      };
      if (p.user) hit.running!.user = p.user;
      if (origin?.version) hit.version = origin.version;
      hits.push(hit);
      // The folder it runs from is an install in its own right (its manifest was read).
      if (origin) {
        const install: Hit = { tool: tool.id, user: p.user ?? null, channel: origin.channel, signal: origin.signal, path: origin.path, strong: true, detail: 'install of a running process' };
        if (origin.version) install.version = origin.version;
        hits.push(install);
      }
    }
  }
  return hits;
}
