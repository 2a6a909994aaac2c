// The tray app as it ships: `scripts/build-tray.js` bundles the Electron main into build/tray/main.mjs
// that imports nothing but 'electron' and node's own modules (so Electron runs it as it is, with no
// node_modules); the same server bundled as pages.mjs runs under plain node from a copy outside the
// repository and serves the pages; `npm run tray` says what to install when Electron's binary is
// missing and starts the binary on main.mjs when one is given; the electron-builder configuration
// names the deb, AppImage, dmg and nsis targets over that folder; the state icons are real PNGs.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { stateIcon, STATE_COLOUR } from '../../tray-app/src/icons.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const OUT = join(REPO, 'build', 'tray');

before(() => {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-tray.js')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

/** Module specifiers a bundle imports (static import/export-from and dynamic import of literals). */
function imports(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/^\s*(?:import|export)\s[^;'"]*?from\s*["']([^"']+)["']/gm)) found.add(m[1] as string);
  for (const m of code.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) found.add(m[1] as string);
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.add(m[1] as string);
  return [...found].sort();
}

test('build/tray/main.mjs imports only electron and node builtins, parses, and package.json points Electron at it', () => {
  const code = readFileSync(join(OUT, 'main.mjs'), 'utf8');
  const specs = imports(code);
  assert.ok(specs.includes('electron'), JSON.stringify(specs));
  const builtins = new Set(builtinModules);
  for (const s of specs) assert.ok(s === 'electron' || s.startsWith('node:') || builtins.has(s), `main.mjs imports ${s}: the packaged app has no node_modules`);
  assert.doesNotMatch(code, /\btsx\b.*register|from ["']tsx/, 'no TypeScript loader at run time');
  const check = spawnSync(process.execPath, ['--check', join(OUT, 'main.mjs')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  const pkg = JSON.parse(readFileSync(join(OUT, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg.main, 'main.mjs');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.name, 'warden-tray');
  assert.equal(pkg.version, (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
  for (const f of ['web/index.html', 'web/app.js', 'web/style.css', 'icon.png']) assert.ok(existsSync(join(OUT, f)), f);
  assert.ok(!existsSync(join(OUT, 'preload.js')) && !code.includes('preload'), 'no preload: the page gets no bridge');
});

test('the bundled page server runs under plain node from a copy outside the repository', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-tray-bundle-'));
  try {
    cpSync(OUT, join(dir, 'app'), { recursive: true });
    const child = spawn(process.execPath, [join(dir, 'app', 'pages.mjs'), '--state', join(dir, 'agent-state')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) ok(out.trim());
        });
        child.on('exit', (code) => fail(new Error(`pages.mjs exited ${code}`)));
      });
      const u = new URL(url);
      const token = new URLSearchParams(u.hash.slice(1)).get('token')!;
      const page = await fetch(new URL('/', u));
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<h1><span id="company"><\/span>AI tools on this computer<\/h1>/);
      const view = await fetch(new URL('/api/view', u), { headers: { 'x-warden-tray-token': token } });
      assert.equal(view.status, 200);
      const body = (await view.json()) as { notices: unknown[]; report: unknown; status: { state: string } };
      assert.deepEqual([body.notices, body.report, body.status.state], [[], null, 'compliant']);
    } finally {
      child.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run tray: without Electronʼs binary it says what to install (exit 1); with one it starts it on main.mjs', () => {
  const env = { ...process.env };
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  const installed = existsSync(join(REPO, 'node_modules', 'electron', 'path.txt'));
  if (!installed) {
    const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'tray.js')], { encoding: 'utf8', env });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Electron's binary is not installed here/);
    assert.match(r.stderr, /node node_modules\/electron\/install\.js/);
    assert.match(r.stderr, /ELECTRON_OVERRIDE_DIST_PATH=/);
    assert.match(r.stderr, /node build\/tray\/pages\.mjs/);
  }
  // An Electron given by ELECTRON_OVERRIDE_DIST_PATH (here a stand-in that records how it was started).
  const dir = mkdtempSync(join(tmpdir(), 'warden-electron-'));
  try {
    const bin = join(dir, installed ? readFileSync(join(REPO, 'node_modules', 'electron', 'path.txt'), 'utf8') : 'electron');
    writeFileSync(bin, `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(dir, 'args')}"\nexit 7\n`);
    chmodSync(bin, 0o755);
    const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'tray.js'), '--verbose'], { encoding: 'utf8', env: { ...env, ELECTRON_OVERRIDE_DIST_PATH: dir } });
    assert.equal(r.status, 7, r.stderr);
    assert.deepEqual(readFileSync(join(dir, 'args'), 'utf8').trim().split('\n'), [join(OUT, 'main.mjs'), '--verbose']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('electron-builder configuration: deb + AppImage, dmg (menu-bar app), per-machine nsis, over build/tray', () => {
  const cfg = parseYaml(readFileSync(join(REPO, 'tray-app', 'electron-builder.yml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(cfg.appId, 'com.warden.tray');
  assert.equal(cfg.productName, 'warden');
  assert.equal(cfg.executableName, 'warden-tray');
  assert.equal(cfg.directories.app, 'build/tray');
  assert.deepEqual(cfg.linux.target, ['deb', 'AppImage']);
  assert.equal(cfg.mac.target, 'dmg');
  assert.equal(cfg.mac.extendInfo.LSUIElement, true);
  assert.equal(cfg.win.target, 'nsis');
  assert.equal(cfg.nsis.perMachine, true);
  assert.ok(cfg.linux.maintainer, 'deb needs a maintainer');
  // The Electron it packages is the one the repository pins.
  const pinned = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.electron;
  assert.equal(cfg.electronVersion, pinned);
  // Every file it packages exists after the build, and the app's entry is among them.
  for (const f of cfg.files as string[]) {
    const path = join(REPO, cfg.directories.app, f.replace(/\/\*\*$/, ''));
    assert.ok(existsSync(path), `${f} is in ${cfg.directories.app}`);
  }
  assert.ok((cfg.files as string[]).includes(JSON.parse(readFileSync(join(OUT, 'package.json'), 'utf8')).main));
  assert.ok(existsSync(join(REPO, cfg.icon)));
});

/** Decodes the RGBA pixels of a PNG stateIcon wrote (one IDAT, filter 0 rows). */
function pixels(png: Buffer): { w: number; h: number; at: (x: number, y: number) => number[] } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const w = png.readUInt32BE(16);
  const h = png.readUInt32BE(20);
  const idat = png.indexOf('IDAT');
  const raw = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
  return { w, h, at: (x, y) => [...raw.subarray(y * (w * 4 + 1) + 1 + x * 4, y * (w * 4 + 1) + 1 + x * 4 + 4)] };
}

test('state icons: PNGs in the state colour, transparent corners, a white mark', () => {
  for (const state of ['compliant', 'warning', 'blocked'] as const) {
    const p = pixels(stateIcon(state, 32));
    assert.deepEqual([p.w, p.h], [32, 32]);
    assert.deepEqual(p.at(0, 0)[3], 0, 'corner transparent');
    assert.deepEqual(p.at(3, 16), [...STATE_COLOUR[state], 255], `${state}: disc in its colour`);
    const marks = Array.from({ length: 32 * 32 }, (_, i) => p.at(i % 32, Math.floor(i / 32))).filter((c) => c[0] === 255 && c[1] === 255 && c[2] === 255 && c[3] === 255);
    assert.ok(marks.length > 20, `${state}: a white mark`);
  }
});

/** Runs the bundled main under plain node with Electron's API recorded (fake-electron/), until `done` holds. */
async function runMain(env: NodeJS.ProcessEnv, done: (calls: { call: string; args: unknown[] }[]) => boolean): Promise<{ calls: { call: string; args: unknown[] }[]; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', join(import.meta.dirname, 'fake-electron', 'register.mjs'), join(OUT, 'main.mjs')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const calls: { call: string; args: unknown[] }[] = [];
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((ok, fail) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error(`main.mjs did not get there in 10 s: ${JSON.stringify(calls)} ${err}`)), 10_000);
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        calls.push(JSON.parse(buf.slice(0, i)) as { call: string; args: unknown[] });
        buf = buf.slice(i + 1);
      }
      if (done(calls)) {
        clearTimeout(timer);
        ok();
      }
    });
    child.on('exit', (code) => fail(new Error(`main.mjs exited ${code}: ${err}`)));
  });
  return { calls, stop: () => child.kill('SIGKILL') };
}

test('the bundled Electron main, with Electronʼs API recorded: blocked icon and tooltip, the notice in the menu, one notification, the window on its page server', async () => {
  const { recordNotice } = await import('../../agent/src/enforce/notices.ts');
  const dir = mkdtempSync(join(tmpdir(), 'warden-tray-main-'));
  try {
    const key = String(process.getuid?.() ?? 0);
    const now = new Date();
    recordNotice(join(dir, 'agent', 'public', 'users', key, 'notices.json'), { finding: 'claude-code:npm:alice', tool: 'claude-code', action: 'block', reason: 'r', message: 'Claude Code is not approved', alternative: 'Qoder', rule: 'ban', grace_until: null, monitor: false, settings: null }, 'rev-1', now, {
      tool_id: 'claude-code', name: 'Claude Code (CLI)', vendor: 'Anthropic', vendor_country: null, category: 'agentic-cli', version: '2.0.22', channel: 'npm', user: 'alice', paths: [], evidence: [], confidence: 'high', running: [],
    });
    const env = { WARDEN_STATE_DIR: join(dir, 'agent'), XDG_STATE_HOME: join(dir, 'xdg'), HOME: join(dir, 'home'), FAKE_ELECTRON_CLICK: '1' };
    const first = await runMain(env, (c) => c.some((x) => x.call === 'BrowserWindow.loadURL') && c.some((x) => x.call === 'Tray.setContextMenu'));
    try {
      const of = (name: string) => first.calls.filter((c) => c.call === name).map((c) => c.args);
      assert.equal(of('Tray.setImage').length, 1, 'the icon switched once: compliant → blocked');
      assert.deepEqual(of('Tray.setToolTip').at(-1), ['warden: Claude Code (CLI) is blocked on this computer']);
      const menu = of('Menu.buildFromTemplate').at(-1) as string[];
      assert.deepEqual(menu, ['(disabled) Claude Code (CLI) is blocked on this computer', '---', `• Blocked: Claude Code (CLI) (${now.toISOString().slice(0, 10)})`, '---', 'Open warden', 'My exception requests', 'What warden checks', '---', 'Quit']);
      const shown = of('Notification.show') as [{ title: string; body: string; urgency: string; timeoutType: string }][];
      assert.deepEqual(shown.map(([n]) => [n.title, n.body, n.urgency, n.timeoutType]), [['Claude Code (CLI) was blocked', 'Claude Code is not approved. Use Qoder instead.', 'critical', 'never']]);
      // The window opens the tray's own page server, which serves this employee's notice.
      const [url] = of('BrowserWindow.loadURL').at(-1) as [string];
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+&view=notices$/);
      const token = new URLSearchParams(new URL(url).hash.slice(1)).get('token')!;
      const view = (await (await fetch(new URL('/api/view', url), { headers: { 'x-warden-tray-token': token } })).json()) as { notices: { tool: string }[] };
      assert.deepEqual(view.notices.map((n) => n.tool), ['claude-code']);
      assert.ok((await (await fetch(new URL('/app.js', url))).text()).includes('request-form'), 'the pages come from build/tray/web');
    } finally {
      first.stop();
    }
    // Started again (next login): the notification is not repeated.
    const second = await runMain({ ...env, FAKE_ELECTRON_CLICK: '' }, (c) => c.some((x) => x.call === 'Tray.setContextMenu'));
    second.stop();
    assert.equal(second.calls.filter((c) => c.call === 'Notification.show').length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
