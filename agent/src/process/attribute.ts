// Which tool a process runs, from kernel facts only. A process runs its executable (/proc/<pid>/exe);
// an interpreter (node, python, bun, deno) runs the script it was given, which is taken from argv
// only if that file exists, is a regular file, is owned by the process's user or root, and lies in a
// proven install (proof/install-proof.ts). A process whose argv merely names a tool's path
// (`exec -a /home/carol/.nvm/…/claude-code/cli.js sleep 60`) is attributed to nothing.
import { lstatSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import type { InstallMatch } from '../proof/install-layout.ts';
import type { InstallProver } from '../proof/install-proof.ts';
import type { ProcFacts } from './types.ts';
import { endpointOfWindowsPath } from './win32.ts';

const INTERPRETER = /^(?:node|nodejs|bun|deno|python(?:\d+(?:\.\d+)?)?|pypy(?:\d+(?:\.\d+)?)?)(?:\.exe)?$/i;
/** Options whose value is the next argument (so it is not the script). */
const VALUE_OPTS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--env-file', '--title', '-W', '-X', '--config']);
/** Options after which there is no script file (code on the command line, or a module name). */
const NO_SCRIPT = new Set(['-e', '--eval', '-p', '--print', '-c', '-m', '--test']);

export function isInterpreter(exe: string): boolean {
  return INTERPRETER.test(basename(exe));
}

/** The script argument of an interpreter's argv, or null (REPL, -e/-c code, -m module). */
export function scriptArg(argv: string[]): string | null {
  let i = 1;
  if ((argv[1] === 'run' || argv[1] === 'x') && argv.length > 2) i = 2; // deno run …, bun run …
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (NO_SCRIPT.has(a)) return null;
    if (VALUE_OPTS.has(a)) {
      i++;
      continue;
    }
    if (a === '--') return argv[i + 1] ?? null;
    if (a.startsWith('-')) continue;
    return a;
  }
  return null;
}

export interface RunningFile {
  /** Real path (no links) of the file the process runs. */
  path: string;
  via: 'exe' | 'script';
}

/**
 * The files a process runs, most specific first: an interpreter's proven script, then its executable.
 * Nothing for a process in another mount namespace (its paths are not this host's).
 */
export function runningFiles(p: ProcFacts, ownNamespace: string | null): RunningFile[] {
  if (!p.exe || p.zombie) return [];
  if (ownNamespace && p.namespace && p.namespace !== ownNamespace) return [];
  const out: RunningFile[] = [];
  if (isInterpreter(p.exe)) {
    const script = provenScript(p);
    if (script) out.push({ path: script, via: 'script' });
  }
  out.push({ path: p.exe, via: 'exe' });
  return out;
}

/** The real path of the regular file an interpreter's argv names, owned by the process's user or root; null otherwise. */
function provenScript(p: ProcFacts): string | null {
  const s = scriptArg(p.argv);
  if (s === null) return null;
  // argv joined by spaces (ps): a script path holding spaces spans elements; try the joins, shortest first.
  const at = p.argv.indexOf(s);
  const candidates = [s];
  if (p.argvJoined && at > 0) for (let j = at + 2; j <= Math.min(p.argv.length, at + 8); j++) candidates.push(p.argv.slice(at, j).join(' '));
  for (const c of candidates) {
    const abs = isAbsolute(c) ? c : p.cwd ? resolve(p.cwd, c) : null;
    if (!abs) continue;
    try {
      const real = realpathSync(abs);
      const st = lstatSync(real);
      // Windows reports no owners through stat (uid 0): there the script's proof is its install's.
      if (st.isFile() && (st.uid === 0 || st.uid === p.uid)) return process.platform === 'win32' ? endpointOfWindowsPath(real) : real;
    } catch {
      // named in argv but not there: argv alone proves nothing
    }
  }
  return null;
}

export interface Attribution {
  match: InstallMatch;
  /** Host path of the proven install. */
  install: string;
  file: RunningFile;
}

/** The proven install a process runs from, or null. */
export function attribute(p: ProcFacts, prover: InstallProver, ownNamespace: string | null): Attribution | null {
  for (const file of runningFiles(p, ownNamespace)) {
    if (prover.endpoint(file.path) === null) continue;
    const proof = prover.prove(file.path, { tool: null, exact: false });
    if (proof.ok) return { match: proof.match, install: prover.host(proof.match.install), file };
  }
  return null;
}
