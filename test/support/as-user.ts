// Runs code as another local user (tests running as root): the code is bundled with esbuild into a
// folder that user can read, so the check does not depend on whether the checkout itself is
// readable by them (a 0700 home, a mktemp folder).
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const REPO = resolve(import.meta.dirname, '..', '..');

export const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * Bundles `source` (TypeScript; imports resolve from the repository root) into `dir`/<name>.mjs,
 * readable by everyone, and returns its path.
 */
export async function bundleFor(dir: string, name: string, source: string): Promise<string> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const outfile = join(dir, `${name}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: REPO, sourcefile: `${name}.ts`, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    banner: { js: "import { createRequire as __req } from 'node:module'; const require = __req(import.meta.url);" },
  });
  chmodSync(outfile, 0o644);
  return outfile;
}

/** A folder under the system temp folder that other users may pass through (0711). */
export function sharedTempDir(label: string): string {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? '/tmp', `warden-${label}-`));
  chmodSync(dir, 0o711);
  return dir;
}

/** Runs a bundled script as uid/gid with JSON args; returns the process result. */
export function runAs(uid: number, script: string, args: unknown[] = [], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [script, ...args.map((a) => JSON.stringify(a))], { uid, gid: uid, encoding: 'utf8', cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 20_000 });
}
