#!/usr/bin/env node
// `npm run tray`: starts the tray app (build/tray/main.mjs, made by `npm run build`) in Electron.
// Electron's npm package does not carry its binary: it is downloaded at install time, which this
// repository skips (ELECTRON_SKIP_BINARY_DOWNLOAD=1). Where the binary is missing this says what to
// install instead of failing with Electron's own stack trace, and exits 1.
// Arguments after `--` go to the tray; WARDEN_STATE_DIR points it at a non-default agent state folder.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(REPO, 'build', 'tray', 'main.mjs');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const p = require('electron'); // the binary's path, or a throw when it was never downloaded
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

if (!existsSync(MAIN)) {
  process.stderr.write('warden tray: build/tray/main.mjs is missing; run `npm run build` first.\n');
  process.exit(1);
}
const bin = electronBinary();
if (!bin) {
  let version = '?';
  try {
    version = require('electron/package.json').version;
  } catch {
    // electron not even in node_modules
  }
  process.stderr.write(`warden tray: Electron's binary is not installed here, so the tray app cannot start.
npm installed the electron package (${version}) without its binary (ELECTRON_SKIP_BINARY_DOWNLOAD=1).
Install one of:
  - Electron's binary for this machine: node node_modules/electron/install.js
    (downloads electron v${version} for ${process.platform}-${process.arch} from GitHub), then npm run tray
  - an Electron ${version.split('.')[0]} you already have: ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron-folder npm run tray
  - the packaged app: npx electron-builder --config tray-app/electron-builder.yml (deb, AppImage, dmg, nsis)
Without Electron, the same pages run in any browser: node build/tray/pages.mjs prints their URL.
`);
  process.exit(1);
}
const child = spawn(bin, [MAIN, ...process.argv.slice(2)], { stdio: 'inherit', env: process.env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
