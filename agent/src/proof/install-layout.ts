// Which install folder the catalog names for a tool, given a path. The catalog's templates
// ('~' = a user's home, '*' = one name, '<version>', <PLACEHOLDER>s) are compiled once into
// per-segment matchers; a path is an install of a tool only when it equals a template expansion
// (for a quarantine target) or lies inside one (for a running process). A folder that holds more
// than the tool (an nvm `versions/` root, a home, a system folder) never equals a template, so it is
// never a target. Facts about tools stay in the catalog: this only reads it.
import type { Catalog, CatalogTool, LayoutOs, Signature } from '../../../wire/src/catalog.ts';
import type { Channel } from '../../../wire/src/inventory.ts';

type Seg = (name: string) => boolean;

interface Pattern {
  tool: string;
  sig: Signature;
  /** Home-relative (starts at '~') or machine-wide (starts at '/'). */
  home: boolean;
  segs: Seg[];
  /** A fixed first segment (after the home), for the index. */
  key: string | null;
}

export interface InstallMatch {
  tool: string;
  /** Endpoint path of the install (as on the scanned machine, '/'-separated). */
  install: string;
  /** Owner home's user name, null for a machine-wide install. */
  user: string | null;
  /** Endpoint path of that home, null when machine-wide. */
  home: string | null;
  channel: Channel;
  signal: string;
  version: string | null;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pyNorm = (s: string): string => s.toLowerCase().replace(/[-_.]+/g, '_');

/** The detector's signal name for a signature (what the evidence of its hits says). */
export function signalOf(sig: Signature): string {
  switch (sig.detector) {
    case 'path':
    case 'version_dir':
    case 'python_venv':
      return sig.kind;
    case 'python_dist':
      return 'python_dist';
    default:
      return sig.detector;
  }
}

/** Signatures whose matches are installs (never config, caches or MCP files). */
function isInstall(sig: Signature): boolean {
  return sig.strong && sig.channel !== 'traces' && sig.detector !== 'mcp_config';
}

export class InstallLayout {
  private readonly byKey = new Map<string, Pattern[]>();
  private readonly unkeyed: Pattern[] = [];
  private readonly ci: boolean;

  constructor(
    readonly catalog: Catalog,
    readonly os: LayoutOs,
  ) {
    this.ci = os !== 'linux'; // macOS and Windows file systems ignore case by default
    for (const tool of catalog.tools) for (const p of this.compileTool(tool)) this.index(p);
  }

  private index(p: Pattern): void {
    if (p.key === null) this.unkeyed.push(p);
    else {
      const k = this.fold(p.key);
      let list = this.byKey.get(k);
      if (!list) this.byKey.set(k, (list = []));
      list.push(p);
    }
  }

  private fold(s: string): string {
    return this.ci ? s.toLowerCase() : s;
  }

  private compileTool(tool: CatalogTool): Pattern[] {
    const out: Pattern[] = [];
    for (const sig of tool.signatures[this.os]) {
      if (!isInstall(sig)) continue;
      for (const tpl of this.templatesOf(sig)) {
        const p = this.compile(tool.id, sig, tpl);
        if (p) out.push(p);
      }
    }
    // Binaries of a known name in a catalog PATH folder (what detectPathBinaries reports).
    const names = tool.binaries.filter((b) => (this.os === 'win32' ? true : !/\.(exe|cmd)$/i.test(b)));
    const winNames = this.os === 'win32' ? names.flatMap((b) => (/\.(exe|cmd)$/i.test(b) ? [b] : [`${b}.exe`, `${b}.cmd`])) : names;
    const pathSig: Signature = { detector: 'path', kind: 'path_binary', channel: 'path_binary', strong: true };
    for (const dir of this.catalog.path_dirs[this.os]) {
      for (const n of winNames) {
        const p = this.compile(tool.id, pathSig, `${dir}/${n}`);
        if (p) out.push(p);
      }
    }
    return out;
  }

  /** Plain templates ('~/…' or '/…') for a signature, placeholders expanded. */
  private templatesOf(sig: Signature): string[] {
    switch (sig.detector) {
      case 'npm_package':
        return this.expand(`<NPM_ROOT>/${sig.name!}`);
      case 'python_dist':
        return this.expand(`<PY_SITE>/\0dist:${sig.name!}`);
      case 'vscode_extension':
        return this.expand(`<VSC_EXT>/\0vsc:${sig.name!}`);
      case 'jetbrains_plugin':
        return this.expand('<JB_PLUGINS>/*');
      case 'browser_extension':
        return this.expand(`<CHROMIUM_PROFILE>/Extensions/${sig.name!}`);
      default:
        return sig.path ? this.expand(sig.path) : [];
    }
  }

  private expand(template: string, depth = 0): string[] {
    const m = /^<([A-Z_]+)>(.*)$/.exec(template);
    if (!m) return template.startsWith('~') || template.startsWith('/') ? [template] : [];
    if (depth > 8) return [];
    const out: string[] = [];
    for (const base of this.catalog.locations[m[1]!]?.[this.os] ?? []) out.push(...this.expand(base + m[2]!, depth + 1));
    return out;
  }

  private compile(tool: string, sig: Signature, tpl: string): Pattern | null {
    const home = tpl.startsWith('~');
    const parts = tpl.slice(home ? 1 : 0).split('/').filter(Boolean);
    if (parts.length === 0) return null;
    const segs = parts.map((s) => this.segment(s));
    const first = parts[0]!;
    const key = /[*<\0]/.test(first) ? null : first;
    return { tool, sig, home, segs, key };
  }

  private segment(s: string): Seg {
    if (s.startsWith('\0dist:')) {
      const want = pyNorm(s.slice(6));
      return (n) => {
        const x = /^(.+)-([^-]+)\.dist-info$/i.exec(n);
        return !!x && pyNorm(x[1]!) === want;
      };
    }
    if (s.startsWith('\0vsc:')) {
      const want = s.slice(5).toLowerCase();
      return (n) => {
        const x = /^(.+?)-(\d+\.\d+[^/]*)$/.exec(n);
        return !!x && x[1]!.toLowerCase() === want;
      };
    }
    if (!s.includes('*') && !s.includes('<version>')) {
      const lit = this.fold(s);
      return (n) => this.fold(n) === lit;
    }
    const re = new RegExp(
      `^${s
        .split('<version>')
        .map((x) => escapeRe(x).replace(/\\\*/g, '.*'))
        .join('(\\d[^/]*?)')}$`,
      this.ci ? 'i' : '',
    );
    return (n) => n !== '.' && n !== '..' && re.test(n);
  }

  /** The home a path lies in: [user, number of segments the home takes]. */
  private homeOf(segs: string[]): { user: string; len: number } | null {
    if (this.os === 'linux') {
      if (segs[0] === 'root') return { user: 'root', len: 1 };
      if (segs[0] === 'home' && segs[1] && !segs[1].startsWith('.')) return { user: segs[1], len: 2 };
      return null;
    }
    if (segs[0] && this.fold(segs[0]) === this.fold('Users') && segs[1] && !segs[1].startsWith('.')) return { user: segs[1], len: 2 };
    return null;
  }

  private candidates(segs: string[], from: number): Pattern[] {
    const k = segs[from];
    return [...(k !== undefined ? (this.byKey.get(this.fold(k)) ?? []) : []), ...this.unkeyed];
  }

  /**
   * Installs (of `tool`, or of any tool when null) that `endpointPath` equals (`exact`) or lies in.
   * Longest install first.
   */
  match(endpointPath: string, opts: { tool?: string | null; exact: boolean }): InstallMatch[] {
    const segs = endpointPath.split('/').filter(Boolean);
    const out: InstallMatch[] = [];
    const h = this.homeOf(segs);
    const tryFrom = (from: number, home: { user: string; len: number } | null): void => {
      for (const p of this.candidates(segs, from)) {
        if (p.home !== (home !== null)) continue;
        if (opts.tool && p.tool !== opts.tool) continue;
        const n = p.segs.length;
        if (segs.length - from < n || (opts.exact && segs.length - from !== n)) continue;
        let ok = true;
        for (let i = 0; i < n && ok; i++) ok = p.segs[i]!(segs[from + i]!);
        if (!ok) continue;
        const install = `/${segs.slice(0, from + n).join('/')}`;
        if (out.some((m) => m.tool === p.tool && m.install === install)) continue;
        out.push({
          tool: p.tool,
          install,
          user: home?.user ?? null,
          home: home ? `/${segs.slice(0, home.len).join('/')}` : null,
          channel: p.sig.channel,
          signal: signalOf(p.sig),
          version: versionOf(p.sig, segs.slice(from, from + n)),
        });
      }
    };
    tryFrom(0, null);
    if (h) tryFrom(h.len, h);
    return out.sort((a, b) => b.install.length - a.install.length);
  }
}

/** The '<version>' segment's capture, when the template has one. */
function versionOf(sig: Signature, segs: string[]): string | null {
  const tpl = sig.path;
  if (!tpl || !tpl.includes('<version>')) return null;
  const parts = tpl.replace(/^~/, '').split('/').filter(Boolean);
  const i = parts.findIndex((s) => s.includes('<version>'));
  // Templates with placeholders before the version are aligned from the end.
  const j = segs.length - (parts.length - i);
  const seg = parts[i]!;
  const got = segs[j];
  if (got === undefined) return null;
  const re = new RegExp(`^${seg.split('<version>').map((x) => escapeRe(x).replace(/\\\*/g, '.*')).join('(\\d[^/]*?)')}$`, 'i');
  return re.exec(got)?.[1] ?? null;
}

/** Endpoint path for a host path under a scan root ('/'-separated), null when outside it. */
export function endpointPath(root: string, hostPath: string): string | null {
  const r = root.replace(/[/\\]+$/, '');
  const p = hostPath.replace(/\\/g, '/');
  if (r === '' || r === '/') return p.startsWith('/') ? p : null;
  const rs = r.replace(/\\/g, '/');
  if (p === rs) return '/';
  return p.startsWith(`${rs}/`) ? p.slice(rs.length) : null;
}
