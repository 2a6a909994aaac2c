// Where things live on each OS: user homes under the scan root, and expansion of catalog path
// templates ('~', '*', <PLACEHOLDER>) into existing host paths. Expansion only lists the folders a
// template names, one level per '*', so the cost follows the catalog, not the size of the disk.
import { join } from 'node:path';
import type { Catalog, LayoutOs } from '../../../wire/src/catalog.ts';
import type { ScanFs } from './scanfs.ts';

export type Home = { user: string; dir: string };

const NOT_USERS = new Set(['Shared', 'Public', 'Default', 'Default User', 'All Users', 'Guest', 'lost+found']);

/** Homes of every user on the endpoint: linux /home/* and /root; macOS /Users/*; Windows /Users/*. */
export function findHomes(fs: ScanFs, os: LayoutOs): Home[] {
  const homes: Home[] = [];
  const add = (parent: string) => {
    const dir = fs.host(parent);
    for (const name of fs.subdirs(dir).sort()) if (!NOT_USERS.has(name) && !name.startsWith('.')) homes.push({ user: name, dir: join(dir, name) });
  };
  if (os === 'linux') {
    add('/home');
    if (fs.isDir(fs.host('/root'))) homes.push({ user: 'root', dir: fs.host('/root') });
  } else {
    add('/Users');
  }
  return homes;
}

function segmentRegex(seg: string): RegExp {
  const esc = seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${esc}$`, 'i');
}

export class Layout {
  private readonly memo = new Map<string, string[]>();

  constructor(
    readonly fs: ScanFs,
    readonly os: LayoutOs,
    readonly catalog: Catalog,
  ) {}

  /**
   * Expands a template for one home (or for the machine when home is null: templates that start
   * at '~' then give nothing, and machine-wide ones are only expanded with home null).
   * Returns existing host paths. A '<version>' segment is kept literal for the caller.
   */
  expand(template: string, home: Home | null): string[] {
    const key = `${home?.dir ?? ''}\0${template}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const out: string[] = [];
    const ph = /^<([A-Z_]+)>(.*)$/.exec(template);
    if (ph) {
      const list = this.catalog.locations[ph[1]!]?.[this.os] ?? [];
      for (const base of list) {
        // A machine-wide location (leading '/') is expanded once, under home null.
        if (base.startsWith('/') !== (home === null) && !base.startsWith('<')) continue;
        for (const p of this.expand(base + ph[2]!, home)) if (!out.includes(p)) out.push(p);
      }
    } else if (template.startsWith('~')) {
      if (home) this.walk(home.dir, template.slice(1), out);
    } else if (template.startsWith('/')) {
      if (!home) this.walk(this.fs.host('/'), template, out);
    }
    this.memo.set(key, out);
    return out;
  }

  /** Follows the template's segments from base; '*' segments list one folder level. */
  private walk(base: string, rest: string, out: string[]): void {
    const segs = rest.split('/').filter(Boolean);
    let cur = [base];
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const last = i === segs.length - 1;
      const next: string[] = [];
      for (const dir of cur) {
        if (seg.includes('*')) {
          const re = segmentRegex(seg);
          const names = last ? (this.fs.list(dir) ?? []).map((d) => d.name) : this.fs.subdirs(dir);
          for (const n of names) if (re.test(n)) next.push(join(dir, n));
        } else {
          const p = join(dir, seg);
          if (last ? this.fs.exists(p) : this.fs.isDir(p)) next.push(p);
        }
      }
      cur = next;
      if (cur.length === 0) return;
    }
    for (const p of cur) out.push(p);
  }

  /** Splits a template at its '<version>' segment: [prefix, segment pattern, suffix]. */
  static splitVersion(template: string): { prefix: string; seg: RegExp; suffix: string } | null {
    const parts = template.split('/');
    const i = parts.findIndex((s) => s.includes('<version>'));
    if (i < 0) return null;
    const seg = parts[i]!;
    const esc = seg
      .split('<version>')
      .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*'))
      .join('(\\d[^/]*?)');
    return { prefix: parts.slice(0, i).join('/'), seg: new RegExp(`^${esc}$`, 'i'), suffix: parts.slice(i + 1).join('/') };
  }
}
