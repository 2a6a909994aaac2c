// Running AI tools, attributed from kernel facts (process/attribute.ts): the executable the kernel runs
// (/proc/<pid>/exe), or the script an interpreter runs when that file exists, belongs to the process's
// user or root, and lies in an install location the catalog names for the tool (proven without
// following links). A process's argv or name alone never makes it a tool: anyone can start
// `exec -a /home/carol/.nvm/…/claude-code/cli.js sleep 60`. Only the matched file is kept, never the
// command line (it can hold API keys).
// The facts come from the OS's process table (process/source.ts): /proc on Linux, ps + lsof on macOS,
// Win32_Process on Windows. A listing that fails (no lsof, PowerShell refused) attributes nothing.
import type { InstallProver } from '../proof/install-proof.ts';
import { attribute } from '../process/attribute.ts';
import { ownNamespace, passwdUsers } from '../process/linux.ts';
import { processSource } from '../process/source.ts';
import type { ProcFacts } from '../process/types.ts';
import type { Hit } from './hit.ts';

export type { ProcFacts };

export async function listProcesses(): Promise<ProcFacts[]> {
  try {
    return await processSource().list();
  } catch {
    return [];
  }
}

export function matchProcesses(prover: InstallProver, procs: ProcFacts[], ns: string | null = ownNamespace()): Hit[] {
  const users = passwdUsers();
  const hits: Hit[] = [];
  for (const p of procs) {
    if (p.pid === process.pid) continue;
    const a = attribute(p, prover, ns);
    if (!a) continue;
    const user = p.user ?? (p.uid === null ? undefined : (users.get(p.uid) ?? `uid:${p.uid}`));
    const hit: Hit = {
      tool: a.match.tool,
      user: a.match.user, // the install's owner: the process joins that user's finding
      channel: a.match.channel,
      signal: 'process',
      path: a.install,
      strong: true,
      detail: a.file.via === 'script' ? 'running script in this install' : 'running executable in this install',
      running: { pid: p.pid, name: p.name, matched: a.file.path },
    };
    if (user) hit.running!.user = user;
    if (p.start) hit.running!.start = p.start;
    if (a.match.version) hit.version = a.match.version;
    hits.push(hit);
  }
  return hits;
}
