#!/usr/bin/env node
// Bundles the `warden` command (cli/warden.ts: compiler, server, admin CLIs, demo) into
// build/warden.mjs with esbuild. Only our own TypeScript is bundled; packages stay in node_modules
// and load natively — which is the point: under tsx's loader binaryen's import takes ~6 s, under
// plain node ~0.4 s. Writes build/warden.inputs.json (the bundled sources) for bin/current-bundle.js.
// Usage: node scripts/build-cli.js
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'build', 'warden.mjs');

const esbuild = await import('esbuild');
mkdirSync(dirname(OUT), { recursive: true });
const tmp = `${OUT}.${process.pid}.tmp`;
try {
  const result = await esbuild.build({
    stdin: {
      contents: "import { main } from './cli/warden.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
      resolveDir: REPO,
      sourcefile: 'warden-entry.ts',
      loader: 'ts',
    },
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
  renameSync(tmp, OUT);
  const sources = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith('<'))
    .map((p) => relative(REPO, resolve(REPO, p)).split('\\').join('/'));
  writeFileSync(join(REPO, 'build', 'warden.inputs.json'), `${JSON.stringify(sources, null, 1)}\n`);
  process.stdout.write(`warden bundle: build/warden.mjs ${(statSync(OUT).size / 1024 / 1024).toFixed(2)} MB (${sources.length} sources; packages from node_modules)\n`);
} catch (e) {
  rmSync(tmp, { force: true });
  process.stderr.write(`build-cli: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
