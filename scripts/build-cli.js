#!/usr/bin/env node
// Bundles the `warden` command (cli/warden.ts: compiler, server, admin CLIs, demo) into
// build/warden.mjs with esbuild. Only our own TypeScript is bundled; packages stay in node_modules
// and load natively — which is the point: under tsx's loader binaryen's import takes ~6 s, under
// plain node ~0.4 s. Writes build/warden.inputs.json (the bundled sources) for bin/current-bundle.js.
// Also build/warden-compile.mjs: the compiler child the server spawns per policy build.
// Usage: node scripts/build-cli.js
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'build', 'warden.mjs');

const esbuild = await import('esbuild');
mkdirSync(dirname(OUT), { recursive: true });

/** Bundles `contents` (an entry module) into build/<name>.mjs, with build/<name>.inputs.json. */
async function bundle(name, contents) {
  const out = join(REPO, 'build', `${name}.mjs`);
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    const result = await esbuild.build({
      stdin: { contents, resolveDir: REPO, sourcefile: `${name}-entry.ts`, loader: 'ts' },
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: tmp,
      metafile: true,
      logLevel: 'warning',
      sourcemap: 'inline', // stack traces name the TypeScript sources
    });
    renameSync(tmp, out);
    const sources = Object.keys(result.metafile.inputs)
      .filter((p) => !p.startsWith('<'))
      .map((p) => relative(REPO, resolve(REPO, p)).split('\\').join('/'));
    writeFileSync(join(REPO, 'build', `${name}.inputs.json`), `${JSON.stringify(sources, null, 1)}\n`);
    process.stdout.write(`${name} bundle: build/${name}.mjs ${(statSync(out).size / 1024 / 1024).toFixed(2)} MB (${sources.length} sources; packages from node_modules)\n`);
  } catch (e) {
    rmSync(tmp, { force: true });
    process.stderr.write(`build-cli: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}

await bundle('warden', "import { main } from './cli/warden.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n");
// The policy compiler's child process (server/src/policy/compile-process.ts spawns it per build).
await bundle('warden-compile', "import './server/src/policy/compile-child.ts';\n");
