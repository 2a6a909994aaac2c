#!/usr/bin/env node
// Build step: compiles the AssemblyScript WASM runtime used by the Rego compiler (if present).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (existsSync('compiler/build-runtime.js')) {
  const r = spawnSync(process.execPath, ['compiler/build-runtime.js'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
