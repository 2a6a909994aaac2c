// The generic detector primitives the catalog points at. Each takes one signature and a home
// (null = machine-wide locations) and returns hits. They read manifests; they never execute.
import { basename, dirname, join, sep } from 'node:path';
import type { CatalogTool, Signature } from '../../../wire/src/catalog.ts';
import type { Channel, McpServer } from '../../../wire/src/inventory.ts';
import { mcpServersOfJson, mcpServersOfToml } from './mcp.ts';
import type { Hit } from './hit.ts';
import { Layout, type Home } from './layout.ts';
import { cleanVersion, compareVersions, distMetadata, infoPlist, jarPluginXml, packageJson } from './manifests.ts';

export type DetectContext = {
  layout: Layout;
  /** npm global roots per home (and machine-wide under key ''), including ~/.npmrc prefix=. */
  npmRoots: (home: Home | null) => string[];
};

type Emit = (h: Omit<Hit, 'tool' | 'user'>) => void;

const pyNorm = (s: string) => s.toLowerCase().replace(/[-_.]+/g, '_');
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function npmPackage(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  const fs = ctx.layout.fs;
  for (const root of ctx.npmRoots(home)) {
    const dir = join(root, ...sig.name!.split('/'));
    if (!fs.isDir(dir)) continue;
    const pkg = packageJson(fs, join(dir, 'package.json'));
    const hit: Parameters<Emit>[0] = { channel: 'npm', signal: 'npm_package', path: dir, strong: true };
    if (pkg?.version) hit.version = pkg.version;
    if (pkg && pkg.name !== null && pkg.name !== sig.name) hit.detail = 'package.json names another package';
    emit(hit);
  }
}

function sitePackages(ctx: DetectContext, home: Home | null): string[] {
  return ctx.layout.expand('<PY_SITE>', home);
}

function pyChannel(ctx: DetectContext, site: string, home: Home | null): Channel {
  const under = (name: string) => ctx.layout.expand(`<${name}>`, home).some((v) => site.startsWith(v + sep));
  if (under('PIPX_VENVS')) return 'pipx';
  if (under('UV_TOOLS')) return 'uv_tool';
  return 'pip';
}

function pythonDist(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  const fs = ctx.layout.fs;
  const want = pyNorm(sig.name!);
  for (const site of sitePackages(ctx, home)) {
    const index = fs.indexOf('dist-info', site, () => {
      const m = new Map<string, [string, string][]>();
      for (const d of fs.subdirs(site)) {
        const x = /^(.+)-([^-]+)\.dist-info$/i.exec(d);
        if (!x) continue;
        const k = pyNorm(x[1]!);
        m.set(k, [...(m.get(k) ?? []), [d, x[2]!]]);
      }
      return m;
    });
    for (const [d, dirVersion] of index.get(want) ?? []) {
      const dir = join(site, d);
      const meta = distMetadata(fs, join(dir, 'METADATA'));
      const fromName = cleanVersion(dirVersion);
      const version = meta?.version ?? fromName;
      const hit: Parameters<Emit>[0] = { channel: pyChannel(ctx, site, home), signal: 'python_dist', path: dir, strong: true };
      if (version) hit.version = version;
      emit(hit);
    }
  }
}

function pythonVenv(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  const fs = ctx.layout.fs;
  for (const venv of ctx.layout.expand(sig.path!, home)) {
    if (!fs.isDir(venv)) continue;
    const want = pyNorm(basename(venv));
    let version: string | undefined;
    const sites = ctx.layout.os === 'win32' ? [join(venv, 'Lib', 'site-packages')] : fs.subdirs(join(venv, 'lib')).map((py) => join(venv, 'lib', py, 'site-packages'));
    for (const site of sites) {
      for (const d of fs.subdirs(site)) {
        const m = /^(.+)-([^-]+)\.dist-info$/i.exec(d);
        if (!m || pyNorm(m[1]!) !== want) continue;
        version = distMetadata(fs, join(site, d, 'METADATA'))?.version ?? cleanVersion(m[2]) ?? undefined;
      }
    }
    const hit: Parameters<Emit>[0] = { channel: sig.channel, signal: sig.kind, path: venv, strong: true };
    if (version) hit.version = version;
    emit(hit);
  }
}

function versionDir(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  const fs = ctx.layout.fs;
  const split = Layout.splitVersion(sig.path!);
  if (!split) return;
  for (const parent of ctx.layout.expand(split.prefix, home)) {
    for (const e of fs.list(parent) ?? []) {
      const m = split.seg.exec(e.name);
      if (!m) continue;
      let path = join(parent, e.name);
      if (split.suffix) {
        const found = ctx.layout.fs.isDir(path) ? walkSuffix(ctx, path, split.suffix) : null;
        if (!found) continue;
        path = found;
      }
      const hit: Parameters<Emit>[0] = { channel: sig.channel, signal: sig.kind, path, strong: sig.strong };
      const v = cleanVersion(m[1]);
      if (v) hit.version = v;
      emit(hit);
    }
  }
}

function walkSuffix(ctx: DetectContext, base: string, suffix: string): string | null {
  let cur = [base];
  const segs = suffix.split('/').filter(Boolean);
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const re = new RegExp(`^${escapeRe(seg).replace(/\\\*/g, '.*')}$`, 'i');
    const next: string[] = [];
    for (const d of cur) {
      const names = seg.includes('*') ? (ctx.layout.fs.list(d) ?? []).map((x) => x.name).filter((n) => re.test(n)) : [seg];
      for (const n of names) if (ctx.layout.fs.exists(join(d, n))) next.push(join(d, n));
    }
    cur = next;
  }
  return cur[0] ?? null;
}

function appBundle(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  const fs = ctx.layout.fs;
  for (const app of ctx.layout.expand(sig.path!, home)) {
    if (!fs.isDir(app)) continue;
    const info = infoPlist(fs, join(app, 'Contents', 'Info.plist'));
    const hit: Parameters<Emit>[0] = { channel: 'app', signal: 'app_bundle', path: app, strong: true };
    if (info?.version) hit.version = info.version;
    if (info?.bundleId) hit.detail = `bundle id ${info.bundleId}`;
    emit(hit);
  }
}

const EXT_PLATFORM = /-(?:darwin|linux|win32|alpine|web)-[a-z0-9]+$/i;

function vscodeExtension(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  const fs = ctx.layout.fs;
  const want = sig.name!.toLowerCase();
  for (const extDir of ctx.layout.expand('<VSC_EXT>', home)) {
    const index = fs.indexOf('vsc-ext', extDir, () => {
      const m = new Map<string, [string, string][]>();
      for (const d of fs.subdirs(extDir)) {
        const x = /^(.+?)-(\d+\.\d+[^/]*)$/.exec(d);
        if (!x) continue;
        const k = x[1]!.toLowerCase();
        m.set(k, [...(m.get(k) ?? []), [d, x[2]!]]);
      }
      return m;
    });
    for (const [d, dirVersion] of index.get(want) ?? []) {
      const dir = join(extDir, d);
      const pkg = packageJson(fs, join(dir, 'package.json'));
      const version = pkg?.version ?? cleanVersion(dirVersion.replace(EXT_PLATFORM, ''));
      const hit: Parameters<Emit>[0] = { channel: 'vscode_extension', signal: 'vscode_extension', path: dir, strong: true, detail: `in ${basename(extDir) === 'extensions' ? basename(join(extDir, '..')) : extDir}` };
      if (version) hit.version = version;
      emit(hit);
    }
  }
}

/** Per-scan index of JetBrains plugins: folder name and plugin.xml id → version. */
const jbIndexes = new WeakMap<Layout, Map<string, { path: string; id: string | null; version: string | null }[]>>();

function jetbrainsIndex(ctx: DetectContext, home: Home | null): { path: string; id: string | null; version: string | null; dir: string }[] {
  let perLayout = jbIndexes.get(ctx.layout);
  if (!perLayout) jbIndexes.set(ctx.layout, (perLayout = new Map()));
  const key = home?.dir ?? '';
  const hit = perLayout.get(key);
  if (hit) return hit as { path: string; id: string | null; version: string | null; dir: string }[];
  const fs = ctx.layout.fs;
  const out: { path: string; id: string | null; version: string | null; dir: string }[] = [];
  for (const pluginsDir of ctx.layout.expand('<JB_PLUGINS>', home)) {
    for (const e of fs.list(pluginsDir) ?? []) {
      const p = join(pluginsDir, e.name);
      let meta: { id: string | null; version: string | null } | null = null;
      if (e.name.endsWith('.jar')) meta = jarPluginXml(fs, p);
      else if (fs.isDir(p)) {
        // plugin.xml usually sits in the jar named like the plugin folder: try that one first.
        const stem = e.name.toLowerCase();
        const jars = (fs.list(join(p, 'lib')) ?? []).filter((x) => x.name.endsWith('.jar')).sort((a, b) => Number(b.name.toLowerCase().startsWith(stem)) - Number(a.name.toLowerCase().startsWith(stem)));
        for (const j of jars) {
          meta = jarPluginXml(fs, join(p, 'lib', j.name));
          if (meta) break;
        }
      } else continue;
      out.push({ path: p, id: meta?.id ?? null, version: meta?.version ?? null, dir: e.name.replace(/\.jar$/, '') });
    }
  }
  perLayout.set(key, out);
  return out;
}

function jetbrainsPlugin(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  for (const p of jetbrainsIndex(ctx, home)) {
    if (p.id !== sig.name && p.dir !== sig.name) continue;
    const hit: Parameters<Emit>[0] = { channel: 'jetbrains_plugin', signal: 'jetbrains_plugin', path: p.path, strong: true };
    if (p.version) hit.version = p.version;
    emit(hit);
  }
}

function browserExtension(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  const fs = ctx.layout.fs;
  for (const profile of ctx.layout.expand('<CHROMIUM_PROFILE>', home)) {
    const dir = join(profile, 'Extensions', sig.name!);
    if (!fs.isDir(dir)) continue;
    const versions = fs.subdirs(dir).sort((a, b) => compareVersions(b, a));
    let version: string | null = null;
    for (const v of versions) {
      const manifest = fs.readJson(join(dir, v, 'manifest.json'));
      version = cleanVersion(manifest?.version) ?? cleanVersion(v.replace(/_\d+$/, ''));
      if (version) break;
    }
    const hit: Parameters<Emit>[0] = { channel: 'browser_extension', signal: 'browser_extension', path: dir, strong: true, detail: `profile ${profile}` };
    if (version) hit.version = version;
    emit(hit);
  }
}

function mcpConfig(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  const fs = ctx.layout.fs;
  for (const file of ctx.layout.expand(sig.path!, home)) {
    let servers: McpServer[] | null = null;
    if (file.endsWith('.json')) {
      const j = fs.readJson(file);
      servers = j ? mcpServersOfJson(j, file) : null;
    } else if (file.endsWith('.toml')) {
      const buf = fs.readFile(file);
      servers = buf ? mcpServersOfToml(buf.toString('utf8'), file) : null;
      if (buf && !servers) fs.skip(file, 'malformed config: invalid TOML');
    }
    if (servers === null) {
      if (fs.lstat(file)) emit({ channel: 'traces', signal: 'mcp_config', path: file, strong: false, detail: 'MCP / agent config present' });
      continue;
    }
    // Names, program file names and URLs without secrets (inventory/mcp.ts), never args or env.
    emit({ channel: 'traces', signal: 'mcp_config', path: file, strong: false, detail: `${servers.length} MCP server(s) configured`, ...(servers.length ? { mcp: servers } : {}) });
  }
}

/** A plain path signature; a symlink into a versions folder gives the active version. */
function pathSig(ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit): void {
  const fs = ctx.layout.fs;
  for (const p of ctx.layout.expand(sig.path!, home)) {
    const st = fs.lstat(p);
    if (!st) continue;
    const hit: Parameters<Emit>[0] = { channel: sig.channel, signal: sig.kind, path: p, strong: sig.strong };
    if (st.isSymbolicLink()) {
      const r = fs.resolveLink(p);
      if (!r) continue; // loop: recorded as skipped
      if (r.dangling) {
        hit.strong = false;
        hit.detail = 'dangling symlink';
      } else {
        const v = /[/\\]versions[/\\]([^/\\]+)/.exec(r.target)?.[1];
        if (v && cleanVersion(v)) hit.version = v;
        hit.detail = `symlink to ${r.target}`;
      }
    } else if (sig.strong && (hit.channel === 'app' || hit.channel === 'system_package')) {
      const v = electronVersion(fs, st.isDirectory() ? p : dirname(p));
      if (v) hit.version = v;
    }
    emit(hit);
  }
}

/**
 * Desktop apps installed outside a .app (Windows Programs folders, /usr/share, /opt) are mostly
 * Electron / VS Code forks: resources/app/product.json ('appVersion' for forks that keep the VS
 * Code base in 'version', e.g. Trae) or resources/app/package.json 'version' names the release.
 */
function electronVersion(fs: DetectContext['layout']['fs'], installDir: string): string | null {
  const app = join(installDir, 'resources', 'app');
  if (!fs.isDir(app)) return null;
  const product = fs.readJson(join(app, 'product.json'));
  return cleanVersion(product?.appVersion) ?? packageJson(fs, join(app, 'package.json'))?.version ?? null;
}

const DETECTORS: Record<Signature['detector'], (ctx: DetectContext, sig: Signature, home: Home | null, emit: Emit) => void> = {
  npm_package: npmPackage,
  python_dist: pythonDist,
  python_venv: pythonVenv,
  version_dir: versionDir,
  app_bundle: appBundle,
  vscode_extension: vscodeExtension,
  jetbrains_plugin: jetbrainsPlugin,
  browser_extension: browserExtension,
  mcp_config: mcpConfig,
  path: pathSig,
};

/** Runs one tool's signatures for one home (or the machine) and returns its hits. */
export function detectTool(ctx: DetectContext, tool: CatalogTool, home: Home | null): Hit[] {
  const hits: Hit[] = [];
  for (const sig of tool.signatures[ctx.layout.os]) {
    const machineWide = sig.path?.startsWith('/') ?? false;
    if (home && machineWide) continue;
    DETECTORS[sig.detector](ctx, sig, home, (h) => hits.push({ ...h, tool: tool.id, user: home?.user ?? null }));
  }
  return hits;
}
