// Compiles Rego to WASM in a child process (compile-child.ts) that exits after the build, so the
// serving process never loads the compiler or binaryen: the server's RSS stays what serving needs,
// and a compile's peak (hundreds of MB) is returned to the system when the child exits.
//
// The child runs build/warden-compile.mjs (our TypeScript bundled by scripts/build-cli.js, packages
// from node_modules) under plain node when that bundle is current — binaryen imports in ~0.4 s there
// against ~6 s under tsx's loader — and otherwise the TypeScript source through tsx.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { installPath } from '../../../wire/src/install-root.ts';

export interface CompileRequest {
  modules: { file: string; source: string }[];
  entrypoints: string[];
}

/** What the last successful compile cost (the child's own figures), for the benches. */
export interface CompileStats {
  ms: number;
  max_rss_kb: number;
  /** Wall time seen by the caller, process start included. */
  wall_ms: number;
  runner: 'bundle' | 'tsx';
}

export class CompileFailed extends Error {
  /** True when the policy itself is wrong (diagnostics), false when the compiler could not run. */
  constructor(message: string, readonly diagnostics: boolean) {
    super(message);
    this.name = 'CompileFailed';
  }
}

let last: CompileStats | null = null;
export const lastCompileStats = (): CompileStats | null => last;

const BUNDLE = installPath('build/warden-compile.mjs');
const SOURCE = installPath('server/src/policy/compile-child.ts');

/** build/warden-compile.mjs when none of the sources it was built from changed since. */
function currentBundle(): string | null {
  if (process.env.WARDEN_FROM_SOURCE === '1' || !existsSync(BUNDLE)) return null;
  const built = statSync(BUNDLE).mtimeMs;
  try {
    const sources = JSON.parse(readFileSync(installPath('build/warden-compile.inputs.json'), 'utf8')) as unknown;
    for (const rel of Array.isArray(sources) ? sources : []) {
      if (typeof rel === 'string' && existsSync(installPath(rel)) && statSync(installPath(rel)).mtimeMs > built) return null;
    }
  } catch {
    // shipped without the input list: the bundle is all there is
  }
  return BUNDLE;
}

/** The compiled module of `req` (policy.wasm), built by a child process that exits afterwards. */
export function compileInChild(req: CompileRequest, timeoutMs = 300_000): Promise<Buffer> {
  const bundle = currentBundle();
  const args = bundle ? [bundle] : ['--import', 'tsx', SOURCE];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CompileFailed(`cannot start the policy compiler: ${e.message}`, false));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = Buffer.concat(err).toString('utf8').split('\n').filter((l) => l.trim() !== '');
      const statsLine = lines.findLast((l) => l.startsWith('compile-stats '));
      const text = lines.filter((l) => l !== statsLine).join('; ');
      if (code === 0) {
        const stats = statsLine ? (JSON.parse(statsLine.slice('compile-stats '.length)) as { ms: number; max_rss_kb: number }) : { ms: 0, max_rss_kb: 0 };
        last = { ...stats, wall_ms: Math.round(performance.now() - t0), runner: bundle ? 'bundle' : 'tsx' };
        resolve(Buffer.concat(out));
      } else if (code === 1) reject(new CompileFailed(text, true));
      else reject(new CompileFailed(`the policy compiler failed (${signal ? `signal ${signal}` : `exit ${code}`}): ${text.slice(0, 500)}`, false));
    });
    child.stdin.on('error', () => undefined); // a child that died early is reported by 'close'
    child.stdin.end(JSON.stringify(req));
  });
}
