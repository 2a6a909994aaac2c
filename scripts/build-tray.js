#!/usr/bin/env node
// Builds the tray app into build/tray/, the folder Electron runs and electron-builder packages
// (tray-app/electron-builder.yml):
//   main.mjs      the Electron main process (tray-app/electron/main.ts) with everything it imports
//                 bundled in — only 'electron' and node's own modules stay imports — so the packaged
//                 app needs no node_modules and Electron runs the file as it is;
//   pages.mjs     the same page server under plain node, printing its URL (tray-app/src/pages-main.ts);
//   web/          the pages (tray-app/web);
//   package.json  name, version, main for Electron and electron-builder;
//   icon.png      512 px app icon for the packages (drawn by tray-app/src/icons.ts).
// No preload: the page runs sandboxed with nothing but fetch to its own loopback server.
// Usage: node scripts/build-tray.js
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'build', 'tray');
const esbuild = await import('esbuild');

// ajv and friends are CommonJS: give the ESM bundle a require().
const banner = { js: "import { createRequire as __wardenRequire } from 'node:module'; const require = __wardenRequire(import.meta.url);" };
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', banner, metafile: true };

async function bundle(entry, name, external) {
  const out = join(OUT, name);
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    const r = await esbuild.build({ ...common, entryPoints: [join(REPO, entry)], outfile: tmp, external });
    renameSync(tmp, out);
    return r.metafile;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

try {
  mkdirSync(OUT, { recursive: true });
  const meta = await bundle('tray-app/electron/main.ts', 'main.mjs', ['electron']);
  await bundle('tray-app/src/pages-main.ts', 'pages.mjs', []);
  rmSync(join(OUT, 'web'), { recursive: true, force: true });
  cpSync(join(REPO, 'tray-app', 'web'), join(OUT, 'web'), { recursive: true });
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const pkg = {
    name: 'warden-tray',
    productName: 'warden',
    version: root.version,
    description: 'What your company’s AI tool policy blocked on this computer, why, what to use instead — and asking for an exception',
    license: root.license,
    author: { name: 'warden', email: 'it@warden.invalid' },
    homepage: 'https://warden.invalid',
    type: 'module',
    main: 'main.mjs',
  };
  writeFileSync(join(OUT, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

  // The app icon, drawn by the same code as the tray icon.
  const iconMod = join(OUT, `.icon.${process.pid}.mjs`);
  await esbuild.build({ ...common, metafile: false, stdin: { contents: "export { stateIcon } from './tray-app/src/icons.ts';", resolveDir: REPO, loader: 'ts' }, outfile: iconMod });
  try {
    const { stateIcon } = await import(pathToFileURL(iconMod).href);
    writeFileSync(join(OUT, 'icon.png'), stateIcon('compliant', 512));
  } finally {
    rmSync(iconMod, { force: true });
  }
  const sources = Object.keys(meta.inputs).filter((p) => !p.startsWith('<')).length;
  process.stdout.write(`tray: build/tray/main.mjs ${(statSync(join(OUT, 'main.mjs')).size / 1024).toFixed(0)} KB (${sources} sources; imports only electron and node:*), pages.mjs, web/, icon.png\n`);
} catch (e) {
  process.stderr.write(`build-tray: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
