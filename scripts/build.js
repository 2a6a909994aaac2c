#!/usr/bin/env node
// Build steps: the compiler's AssemblyScript WASM runtime, the agent bundled into one plain-node
// file (scripts/build-agent.js → build/warden-agent.mjs), and the `warden` command's bundle
// (scripts/build-cli.js → build/warden.mjs), the admin console (scripts/build-console.js → build/console/), and the tray app
// (scripts/build-tray.js → build/tray/, which Electron runs and electron-builder packages).
import { spawnSync } from 'node:child_process';

for (const step of ['compiler/build-runtime.js', 'scripts/build-agent.js', 'scripts/build-cli.js', 'scripts/build-console.js', 'scripts/build-tray.js']) {
  const r = spawnSync(process.execPath, [step], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
