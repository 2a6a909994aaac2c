// Converts the research catalog (facts gathered by hand: ../shared/research/ai-tools-catalog.json
// and its placeholders file) into the agent's catalog data, policies/data/catalog.json.
// The research file is prose-friendly (notes in parentheses, Windows %VARS%, "a or b"); the
// output is strict: '/'-separated templates, one detector primitive per signature.
// Usage: npx tsx scripts/catalog-from-research.ts [research-dir] [out-file]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Catalog, CATALOG_FORMAT, type CatalogTool, type Signature, type LayoutOs } from '../wire/src/catalog.ts';
import type { Channel } from '../wire/src/inventory.ts';
import { validate } from '../wire/src/validate.ts';

type ResearchSig = { path: string; type: string; note?: string };
type ResearchTool = {
  id: string;
  name: string;
  vendor: string;
  vendor_hq_country: string | null;
  vendor_notes: string | null;
  category: string;
  kind: string;
  confidence: string;
  binaries: string[];
  signatures: Record<'macos' | 'linux' | 'windows', ResearchSig[]>;
  mcp_config_paths: string[];
  install_channels: Record<string, string[]>;
  process_names: string[];
  vscode_extension_ids: string[];
  jetbrains_plugin_ids: string[];
  browser_extension_ids: Record<string, string[]>;
};
type Placeholders = { generated: string; placeholders: Record<string, Record<string, string[]>> };

const OS_MAP: Record<'macos' | 'linux' | 'windows', LayoutOs> = { macos: 'darwin', linux: 'linux', windows: 'win32' };
const OSES: LayoutOs[] = ['linux', 'darwin', 'win32'];

const here = dirname(new URL(import.meta.url).pathname);
const researchDir = resolve(process.argv[2] ?? resolve(here, '../../shared/research'));
const outFile = resolve(process.argv[3] ?? resolve(here, '../policies/data/catalog.json'));

/** Problems the converter could not map, printed so a human can improve the research file. */
const dropped: string[] = [];

/** Splits a research path into clean templates plus the notes it carried in parentheses. */
export function normalizePath(raw: string): { paths: string[]; note: string } {
  const notes: string[] = [];
  let p = raw.replace(/\s*\(([^()]*)\)/g, (_m, n: string) => {
    notes.push(n);
    return '';
  });
  p = p.trim();
  const parts = p.split(/\s+or\s+/).map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (let s of parts) {
    s = s.replace(/\\/g, '/');
    s = s.replace(/^%USERPROFILE%/i, '~');
    s = s.replace(/^%APPDATA%/i, '~/AppData/Roaming');
    s = s.replace(/^%LOCALAPPDATA%/i, '~/AppData/Local');
    s = s.replace(/^%ProgramData%/i, '/ProgramData');
    s = s.replace(/^%ProgramFiles%/i, '/Program Files');
    s = s.replace(/^C:\//i, '/');
    s = s.replace(/^<PYTHON>/, '<PYTHON>');
    s = s.replace(/<any node_modules>/g, '<NPM_ROOT>');
    s = s.replace(/<build>/g, '<version>');
    s = s.replace(/<arch>|<pkg>|<Profile>|<Product><YYYY\.N>/g, '*');
    s = s.replace(/<Product>/g, '*');
    s = s.replace(/\/+$/, '');
    // Brace lists such as {Code,Cursor}/User expand to one template each.
    const brace = /\{([^{}]+)\}/.exec(s);
    const expanded = brace ? brace[1]!.split(',').map((alt) => s.replace(brace[0], alt)) : [s];
    for (const e of expanded) out.push(e);
  }
  return { paths: out, note: notes.join('; ') };
}

function anchored(p: string): boolean {
  return p.startsWith('~') || p.startsWith('/') || /^<[A-Z_]+>/.test(p);
}

function convertLocations(ph: Placeholders): Record<string, Record<LayoutOs, string[]>> {
  const out: Record<string, Record<LayoutOs, string[]>> = {};
  for (const [key, perOs] of Object.entries(ph.placeholders)) {
    const name = key.replace(/[<>]/g, '');
    const entry: Record<LayoutOs, string[]> = { linux: [], darwin: [], win32: [] };
    for (const [os, list] of Object.entries(perOs)) {
      const targets: LayoutOs[] = os === 'all' ? OSES : os === 'macos' ? ['darwin'] : os === 'linux' ? ['linux'] : os === 'windows' ? ['win32'] : [];
      for (const raw of list) {
        if (/<prefix from/.test(raw)) continue; // the npm detector reads ~/.npmrc itself
        for (const p of normalizePath(raw).paths) {
          if (!anchored(p) || /<venv>|<conda>|%[A-Z_]+%/.test(p)) {
            dropped.push(`location ${key} ${os}: '${raw}' (not anchored at a home or the root)`);
            continue;
          }
          for (const t of targets) if (!entry[t].includes(p)) entry[t].push(p);
        }
      }
    }
    out[name] = entry;
  }
  // VS Code-family folders are the same relative layout in every Windows profile; the research
  // file lists '~/.vscode/extensions' once for Windows, so the 'all' list already covers it.
  // Comet keeps a Chromium profile folder on Linux too (per the research signatures).
  out.CHROMIUM_PROFILE?.linux.push('~/.config/Perplexity/Comet/*');
  // Volta keeps each global package in its own prefix named after the package; a scoped name is
  // two folders (packages/@scope/name/…), and on Windows a prefix has no lib/ level.
  const npm = out.NPM_ROOT;
  if (npm) {
    npm.win32 = npm.win32.map((l) => (/Volta\/tools\/image\/packages\/\*$/.test(l) ? `${l}/node_modules` : l));
    for (const os of OSES) {
      const scoped = npm[os].filter((l) => l.includes('/packages/*/')).map((l) => l.replace('/packages/*/', '/packages/@*/*/'));
      npm[os].push(...scoped);
    }
  }
  // The research leaves <venv> and <conda> open; these are their usual fixed homes (pyenv,
  // conda distributions and their envs, virtualenvwrapper, a ~/.venv). Project venvs elsewhere
  // are not walked: the scan follows known locations, never the whole disk.
  const unixPy = ['~/.pyenv/versions/*', '~/miniconda3', '~/miniconda3/envs/*', '~/anaconda3', '~/anaconda3/envs/*', '~/miniforge3', '~/miniforge3/envs/*', '/opt/conda', '/opt/conda/envs/*', '~/.virtualenvs/*', '~/.venv'];
  const winPy = ['~/miniconda3', '~/miniconda3/envs/*', '~/anaconda3', '~/anaconda3/envs/*', '~/.virtualenvs/*', '~/.venv'];
  out.PY_SITE?.linux.push(...unixPy.map((b) => `${b}/lib/python3*/site-packages`));
  out.PY_SITE?.darwin.push(...unixPy.map((b) => `${b}/lib/python3*/site-packages`));
  out.PY_SITE?.win32.push(...winPy.map((b) => `${b}/Lib/site-packages`));
  // pipx and uv venvs hold site-packages on Windows too (Lib\site-packages).
  out.PY_SITE?.win32.push('<PIPX_VENVS>/*/Lib/site-packages', '<UV_TOOLS>/*/Lib/site-packages');
  return out;
}

/** Directories searched for binaries by name (PATH), per layout. Real hosts add their $PATH. */
const PATH_DIRS: Record<LayoutOs, string[]> = {
  linux: ['/usr/local/bin', '/usr/bin', '/bin', '/snap/bin', '/home/linuxbrew/.linuxbrew/bin', '~/.local/bin', '~/bin', '~/.npm-global/bin', '~/.volta/bin', '~/.bun/bin', '~/.cargo/bin', '~/go/bin', '~/.deno/bin'],
  darwin: ['/opt/homebrew/bin', '/usr/local/bin', '/usr/bin', '/bin', '~/.local/bin', '~/bin', '~/.npm-global/bin', '~/.volta/bin', '~/.bun/bin', '~/.cargo/bin', '~/go/bin'],
  win32: ['/Windows/System32', '/Program Files/nodejs', '~/AppData/Roaming/npm', '~/AppData/Local/Microsoft/WindowsApps', '~/.local/bin', '~/.bun/bin', '~/scoop/shims', '~/.cargo/bin'],
};

const STRONG_KINDS = new Set(['binary', 'symlink', 'shim', 'npm_shim', 'alias_or_symlink', 'agent_binary', 'helper', 'install_dir', 'bin_dir', 'app_execution_alias', 'msix_install', 'systemd_unit', 'lib_dir', 'appimage', 'npm_package', 'python_dist_info', 'pipx_venv', 'uv_tool_dir', 'brew_cask_dir', 'brew_formula_dir', 'app_bundle', 'extension_dir_versioned', 'plugin_dir']);
const APP_CATEGORIES = new Set(['ai-ide', 'desktop-app', 'ai-browser', 'ai-terminal', 'local-runner']);

function pathChannel(kind: string, p: string, category: string): Channel {
  if (!STRONG_KINDS.has(kind)) return 'traces';
  if (kind === 'npm_shim') return 'npm';
  if (kind === 'msix_install' || kind === 'app_execution_alias') return 'msix';
  if (kind === 'systemd_unit' || kind === 'lib_dir' || kind === 'appimage') return 'system_package';
  if (p.includes('.app/') || p.includes('/Programs/')) return 'app';
  if (/^\/(usr|opt)\/(share|lib|[A-Za-z]+dev|Kiro)/.test(p) && kind === 'install_dir') return 'system_package';
  if (/^\/(opt\/homebrew\/bin|usr\/local\/bin|usr\/bin)\//.test(p)) return 'path_binary';
  if (APP_CATEGORIES.has(category) && kind === 'install_dir') return 'app';
  return 'native';
}

function sig(s: Signature): Signature {
  const out: Signature = { detector: s.detector, kind: s.kind, channel: s.channel, strong: s.strong };
  if (s.path !== undefined) out.path = s.path;
  if (s.name !== undefined) out.name = s.name;
  if (s.note) out.note = s.note;
  return out;
}

function convertSignature(t: ResearchTool, os: string, rs: ResearchSig): Signature[] {
  const { paths, note: pnote } = normalizePath(rs.path);
  const note = [pnote, rs.note ?? ''].filter(Boolean).join('; ') || undefined;
  const out: Signature[] = [];
  for (const p of paths) {
    const base = { kind: rs.type, note };
    if (!anchored(p)) {
      dropped.push(`${t.id} ${os} ${rs.type}: '${rs.path}' (no anchored location)`);
      continue;
    }
    if (rs.type === 'npm_package') {
      const m = /(?:<NPM_ROOT>|node_modules)\/(.+)\/package\.json$/.exec(p);
      if (m) out.push(sig({ ...base, detector: 'npm_package', name: m[1]!, channel: 'npm', strong: true }));
      else dropped.push(`${t.id} ${os}: npm path '${rs.path}'`);
      continue;
    }
    if (rs.type === 'python_dist_info') {
      const m = /<PY_SITE>\/(.+)-<version>\.dist-info/.exec(p);
      if (m) out.push(sig({ ...base, detector: 'python_dist', name: m[1]!, channel: 'pip', strong: true }));
      else dropped.push(`${t.id} ${os}: dist-info path '${rs.path}'`);
      continue;
    }
    if (rs.type === 'pipx_venv' || rs.type === 'uv_tool_dir') {
      // A venv is named after its package; look for it in every pipx / uv location of the OS
      // (the research lists one literal Windows path, pipx also uses %USERPROFILE%\pipx).
      const venv = `<${rs.type === 'pipx_venv' ? 'PIPX_VENVS' : 'UV_TOOLS'}>/${p.split('/').pop()!}`;
      out.push(sig({ ...base, detector: 'python_venv', path: venv, channel: rs.type === 'pipx_venv' ? 'pipx' : 'uv_tool', strong: true }));
      continue;
    }
    if (rs.type === 'extension_dir' && /<version>/.test(p)) {
      const m = /\/([^/]+)-<version>$/.exec(p);
      if (m) out.push(sig({ ...base, detector: 'vscode_extension', name: m[1]!, channel: 'vscode_extension', strong: true }));
      else dropped.push(`${t.id} ${os}: extension path '${rs.path}'`);
      continue;
    }
    if (rs.type === 'browser_extension') {
      const m = /Extensions\/([a-p]{32})\//.exec(p);
      if (m) out.push(sig({ ...base, detector: 'browser_extension', name: m[1]!, channel: 'browser_extension', strong: true }));
      else dropped.push(`${t.id} ${os}: browser extension path '${rs.path}'`);
      continue;
    }
    if (rs.type === 'plugin_dir') {
      const m = /<JB_PLUGINS>\/([^/*]+)$/.exec(p);
      if (m) out.push(sig({ ...base, detector: 'jetbrains_plugin', name: m[1]!, channel: 'jetbrains_plugin', strong: true }));
      // '<JB_PLUGINS>/ (plugin id x)' carries no folder; the plugin ids below cover it.
      continue;
    }
    if (rs.type === 'app_bundle' && p.endsWith('.app')) {
      out.push(sig({ ...base, detector: 'app_bundle', path: p, channel: 'app', strong: true }));
      // Apps dragged into ~/Applications are as real as those in /Applications.
      if (p.startsWith('/Applications/')) {
        const home = '~' + p;
        if (!t.signatures.macos.some((x) => x.path === home)) out.push(sig({ ...base, detector: 'app_bundle', path: home, channel: 'app', strong: true }));
      }
      continue;
    }
    if (rs.type === 'brew_cask_dir' || rs.type === 'brew_formula_dir') {
      out.push(sig({ ...base, detector: 'version_dir', path: p, channel: rs.type === 'brew_cask_dir' ? 'brew_cask' : 'brew_formula', strong: true }));
      continue;
    }
    const kind = rs.type === 'app_bundle' ? 'install_dir' : rs.type;
    const channel = pathChannel(kind, p, t.category);
    const strong = STRONG_KINDS.has(kind);
    if (p.includes('<version>')) {
      out.push(sig({ ...base, kind, detector: 'version_dir', path: p, channel, strong: true }));
      continue;
    }
    if (rs.type === 'mcp_config') {
      out.push(sig({ ...base, detector: 'mcp_config', path: p, channel: 'traces', strong: false }));
      continue;
    }
    if (/<[A-Z_]+>$/.test(p) && !p.includes('/')) {
      dropped.push(`${t.id} ${os}: bare placeholder '${rs.path}'`);
      continue;
    }
    out.push(sig({ ...base, kind, detector: 'path', path: p, channel, strong }));
    // A per-user Windows install (electron-builder / Squirrel: %LOCALAPPDATA%\Programs\<app>\<App>.exe)
    // is the whole folder: quarantine moves it, not the .exe alone.
    const perUser = os === 'windows' && strong && channel === 'app' ? /^(~\/AppData\/Local\/Programs\/[^/<*]+)\/[^/]+\.exe$/i.exec(p) : null;
    if (perUser && !list(t, os).some((x) => x.path === perUser[1])) {
      out.push(sig({ kind: 'install_dir', note: `per-user install folder of ${p.split('/').pop()!}`, detector: 'path', path: perUser[1]!, channel, strong: true }));
    }
  }
  return out;
}

function list(t: ResearchTool, os: string): ResearchSig[] {
  return (t.signatures as Record<string, ResearchSig[]>)[os] ?? [];
}

function cleanIds(ids: string[]): string[] {
  return ids
    .map((x) => x.replace(/\s*\(.*\)\s*$/, '').trim())
    .filter((x) => x && !x.includes(' '));
}

const AMBIGUOUS_NAMES = new Set(['agent', 'chat', 'stable', 'cn', 'q', 'pdx', 'cbc', 'code', 'node', 'python', 'lms', 'droid', 'vibe']);

function processSpec(t: ResearchTool, npmNames: string[]): { names: string[]; argv: string[] } {
  const names: string[] = [];
  const argv: string[] = [];
  for (const raw of t.process_names) {
    const m = /argv(?: path)? contain(?:s|ing) ([^)]*)\)?/.exec(raw);
    if (m) {
      for (const frag of m[1]!.split(/\s+or\s+|\s+\/\s+|,\s*/)) {
        const f = frag.replace(/['"]/g, '').replace(/\*/g, '').trim();
        // Anchor on a path fragment, never on a bare word such as 'vibe' or 'interpreter/'.
        const inner = f.replace(/^\/+|\/+$/g, '');
        if (f.length >= 6 && !f.includes('-/') && !/^[a-z]+\.py$/.test(f) && (inner.includes('/') || /[_.-]/.test(inner))) argv.push(f);
      }
      continue;
    }
    if (/require|only if|uncertain|^\s*(node|python)\b/.test(raw)) continue;
    const name = raw.replace(/\s*\(.*\)\s*$/, '').trim();
    if (!name || name.length < 3 || /\s[a-z_]+\./.test(name) || name.includes('*') || name.split(' ').length > 3 || /\s(serve|runner)\b/.test(name)) continue;
    if (AMBIGUOUS_NAMES.has(name.toLowerCase())) continue;
    names.push(name);
  }
  for (const pkg of npmNames) argv.push(`/node_modules/${pkg}/`);
  return { names: [...new Set(names)], argv: [...new Set(argv)] };
}

function convertTool(t: ResearchTool): CatalogTool {
  const signatures: Record<LayoutOs, Signature[]> = { linux: [], darwin: [], win32: [] };
  for (const [os, list] of Object.entries(t.signatures) as ['macos' | 'linux' | 'windows', ResearchSig[]][]) {
    const target = OS_MAP[os];
    for (const rs of list) signatures[target].push(...convertSignature(t, os, rs));
  }
  // A package published on npm or PyPI can be installed that way on every OS, even where the
  // research only noted one OS's path: look for it everywhere.
  const clean = (xs: string[] | undefined) => (xs ?? []).map((x) => x.replace(/\s*\(.*\)\s*$/, '').trim()).filter((x) => /^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/i.test(x));
  const pyNames = [...new Set([...clean(t.install_channels.pip), ...clean(t.install_channels.uv_tool)])];
  for (const os of OSES) {
    for (const n of clean(t.install_channels.npm)) {
      if (!signatures[os].some((x) => x.detector === 'npm_package' && x.name === n)) signatures[os].push({ detector: 'npm_package', kind: 'npm_package', name: n, channel: 'npm', strong: true });
    }
    for (const n of pyNames) {
      const norm = n.toLowerCase().replace(/[-_.]+/g, '_');
      if (!signatures[os].some((x) => x.detector === 'python_dist' && x.name!.toLowerCase().replace(/[-_.]+/g, '_') === norm)) signatures[os].push({ detector: 'python_dist', kind: 'python_dist_info', name: n, channel: 'pip', strong: true });
    }
  }
  // MCP / agent config files in the user's home: which tools have MCP servers configured.
  for (const raw of t.mcp_config_paths) {
    const m = /^(macOS|Windows|Linux)\s+(.*)$/.exec(raw);
    const oses: LayoutOs[] = m ? [m[1] === 'macOS' ? 'darwin' : m[1] === 'Windows' ? 'win32' : 'linux'] : OSES;
    const { paths, note } = normalizePath(m ? m[2]! : raw);
    for (const p of paths) {
      if (!/^(~|<VSC_USER>)\//.test(p) || !/\.(json|toml|ya?ml)$/.test(p)) continue;
      for (const os of oses) {
        if (signatures[os].some((x) => x.path === p)) continue;
        const s: Signature = { detector: 'mcp_config', kind: 'mcp_config', path: p, channel: 'traces', strong: false };
        if (note) s.note = note;
        signatures[os].push(s);
      }
    }
  }
  // Extension and plugin ids apply on every OS where the IDE family runs.
  const vsc = cleanIds(t.vscode_extension_ids);
  const jb = cleanIds(t.jetbrains_plugin_ids);
  const br = Object.values(t.browser_extension_ids).flat().map((x) => x.replace(/\s*\(.*\)\s*$/, '').trim()).filter((x) => /^[a-p]{32}$/.test(x));
  for (const os of OSES) {
    const have = (d: string, n: string) => signatures[os].some((s) => s.detector === d && s.name?.toLowerCase() === n.toLowerCase());
    for (const id of vsc) if (!have('vscode_extension', id)) signatures[os].push({ detector: 'vscode_extension', kind: 'vscode_extension', name: id, channel: 'vscode_extension', strong: true });
    for (const id of jb) if (!have('jetbrains_plugin', id)) signatures[os].push({ detector: 'jetbrains_plugin', kind: 'jetbrains_plugin', name: id, channel: 'jetbrains_plugin', strong: true });
    for (const id of br) if (!have('browser_extension', id)) signatures[os].push({ detector: 'browser_extension', kind: 'browser_extension', name: id, channel: 'browser_extension', strong: true });
  }
  const npmNames = [...new Set(OSES.flatMap((os) => signatures[os].filter((s) => s.detector === 'npm_package').map((s) => s.name!)))];
  // Names the research says need a path anchor ('goose' is also a database migration tool)
  // are not trusted on PATH by name alone.
  const anchorOnly = new Set(t.process_names.filter((n) => /require|only if/.test(n)).map((n) => n.replace(/\s*\(.*\)\s*$/, '').trim().toLowerCase()));
  const binaries = [...new Set(t.binaries.map((b) => b.replace(/\s*\(.*\)\s*$/, '').trim()))].filter(
    (b) => !anchorOnly.has(b.replace(/\.(exe|cmd)$/i, '').toLowerCase()),
  ).filter(
    (b) => b.replace(/\.(exe|cmd)$/i, '').length >= 3 && !b.includes(' ') && !b.includes('*') && !AMBIGUOUS_NAMES.has(b.replace(/\.(exe|cmd)$/i, '').toLowerCase()),
  );
  return {
    id: t.id,
    name: t.name,
    vendor: t.vendor,
    vendor_country: t.vendor_hq_country,
    vendor_notes: t.vendor_notes,
    category: t.category,
    kind: t.kind,
    confidence: t.confidence,
    binaries,
    process: processSpec(t, npmNames),
    signatures,
  };
}

/** Names claimed by two tools (claude.exe: Claude Code and Claude Desktop) identify neither alone. */
function dropSharedNames(tools: CatalogTool[]): void {
  const count = (pick: (t: CatalogTool) => string[]) => {
    const c = new Map<string, number>();
    for (const t of tools) for (const n of new Set(pick(t))) c.set(n, (c.get(n) ?? 0) + 1);
    return c;
  };
  const procCount = count((t) => t.process.names);
  const binCount = count((t) => t.binaries);
  for (const t of tools) {
    t.process.names = t.process.names.filter((n) => procCount.get(n) === 1);
    t.binaries = t.binaries.filter((n) => binCount.get(n) === 1);
  }
}

const research = JSON.parse(readFileSync(resolve(researchDir, 'ai-tools-catalog.json'), 'utf8')) as ResearchTool[];
const placeholders = JSON.parse(readFileSync(resolve(researchDir, 'ai-tools-catalog.placeholders.json'), 'utf8')) as Placeholders;
const tools = research.map(convertTool);
dropSharedNames(tools);
const catalog = validate(
  Catalog,
  {
    format: CATALOG_FORMAT,
    catalog_version: `${placeholders.generated}.1`,
    source: 'shared/research/ai-tools-catalog.json (converted by scripts/catalog-from-research.ts)',
    locations: convertLocations(placeholders),
    path_dirs: PATH_DIRS,
    tools,
  },
  'converted catalog',
);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(catalog, null, 1) + '\n');
const sigCount = tools.reduce((n, t) => n + OSES.reduce((m, os) => m + t.signatures[os].length, 0), 0);
process.stdout.write(`wrote ${outFile}: ${tools.length} tools, ${sigCount} signatures\n`);
if (dropped.length) process.stdout.write(`not converted (${dropped.length}):\n  ${dropped.join('\n  ')}\n`);
