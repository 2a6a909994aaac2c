#!/usr/bin/env node
// Builds the admin console (console/src, Preact + signals + Chart.js, TSX) with esbuild into
// build/console/: index.html plus content-hashed assets/app-<hash>.js and app-<hash>.css. The server
// serves that folder under /console/ (server/src/console/static.ts). No CDN, nothing fetched at run
// time: every byte the browser loads comes from this build. index.html has no inline script or style,
// so the console runs under a strict Content-Security-Policy.
// Usage: node scripts/build-console.js        (exported buildConsole() is used by the console test)
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CONSOLE_OUT = join(REPO, 'build', 'console');

export async function buildConsole(out = CONSOLE_OUT) {
  const esbuild = await import('esbuild');
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'assets'), { recursive: true });
  try {
    const result = await esbuild.build({
      entryPoints: { app: join(REPO, 'console', 'src', 'main.tsx') },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['chrome110', 'firefox110', 'safari16'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      minify: true,
      sourcemap: 'linked',
      entryNames: '[name]-[hash]',
      outdir: join(tmp, 'assets'),
      metafile: true,
      legalComments: 'linked',
      logLevel: 'warning',
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
    const js = outputs.find((n) => /^app-.*\.js$/.test(n));
    const css = outputs.find((n) => /^app-.*\.css$/.test(n));
    if (!js || !css) throw new Error(`esbuild produced no app js/css (${outputs.join(', ')})`);
    const html = readFileSync(join(REPO, 'console', 'index.html'), 'utf8').replace('%APP_JS%', `/console/assets/${js}`).replace('%APP_CSS%', `/console/assets/${css}`);
    writeFileSync(join(tmp, 'index.html'), html);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(dirname(out), { recursive: true });
    renameSync(tmp, out);
    return { js, css, bytes: outputs.length };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const t0 = Date.now();
    const r = await buildConsole();
    process.stdout.write(`console: build/console/ (${r.js}, ${r.css}) in ${Date.now() - t0} ms\n`);
  } catch (e) {
    process.stderr.write(`build-console: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
