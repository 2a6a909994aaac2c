#!/usr/bin/env node
// Builds the AssemblyScript WASM runtime (compiler/build/runtime.wasm + .wat) that the emitter links
// every policy against. Entry files: assembly/index.ts plus every assembly/builtins/*.ts (so a new
// builtin file needs no registration). Fails loudly, and checks the two invariants the linker relies
// on: no managed allocations (`~lib/rt/stub`) and no start function.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
mkdirSync(out, { recursive: true });

const builtins = readdirSync(join(here, 'assembly', 'builtins'))
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => `assembly/builtins/${f}`);

const asc = join(here, '..', 'node_modules', 'assemblyscript', 'bin', 'asc.js');
const args = [
  asc, 'assembly/index.ts', ...builtins,
  '-o', 'build/runtime.wasm', '-t', 'build/runtime.wat',
  '--importMemory', '--runtime', 'stub', '-O3', '--noAssert',
  '--use', 'abort=assembly/abi/rt_abort',
];
const t0 = Date.now();
const r = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`build-runtime: asc failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
const wat = readFileSync(join(out, 'runtime.wat'), 'utf8');
const problems = [];
if (wat.includes('~lib/rt/stub')) problems.push('managed allocation (~lib/rt/stub): use malloc/load/store, not new/strings/arrays');
if (/\(start\b/.test(wat)) problems.push('start function: static initialisers must be constant');
if (/\(import "env" "abort"/.test(wat)) problems.push('env.abort import: --use abort= failed');
if (problems.length > 0) {
  console.error('build-runtime: runtime.wasm violates linker invariants:\n  ' + problems.join('\n  '));
  process.exit(1);
}
const size = readFileSync(join(out, 'runtime.wasm')).length;
console.log(`build-runtime: compiler/build/runtime.wasm ${size} B in ${Date.now() - t0} ms`);
