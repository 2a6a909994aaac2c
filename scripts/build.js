#!/usr/bin/env node
// Build steps: the compiler's AssemblyScript WASM runtime (if present), then the agent bundled
// into one plain-node file (scripts/build-agent.js → build/warden-agent.mjs).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (existsSync('compiler/build-runtime.js')) {
  const r = spawnSync(process.execPath, ['compiler/build-runtime.js'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const agent = spawnSync(process.execPath, ['scripts/build-agent.js'], { stdio: 'inherit' });
process.exit(agent.status ?? 1);
