// Proof that a path is an install the root agent may act on: it equals (or, for a running process,
// lies in) an install location the catalog names for that tool; every folder from the scan root down
// to it is a real folder (no symlink), owned by root, the scan root's owner or the install's owner,
// and not writable by every user; and the install itself belongs to the finding's user — the owner
// of that user's home (walked the same way), or the scan root's owner (root on a real endpoint) for a
// machine-wide install. Anything else is refused with the reason.
import { lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog, LayoutOs } from '../../../wire/src/catalog.ts';
import { UnsafePathError, withParent } from './anchored.ts';
import { InstallLayout, endpointPath, type InstallMatch } from './install-layout.ts';

export type Proof = { ok: true; match: InstallMatch; uid: number } | { ok: false; reason: string };

/** Endpoint path of a user's home on an OS layout. */
export function homeEndpoint(os: LayoutOs, user: string): string {
  if (os === 'linux') return user === 'root' ? '/root' : `/home/${user}`;
  return `/Users/${user}`;
}

export class InstallProver {
  readonly layout: InstallLayout;
  readonly rootOwner: number;
  private readonly owners = new Map<string, { uid: number } | { reason: string }>();

  constructor(
    /** Scan root ('/' on a real endpoint); trusted, chosen by the operator. */
    readonly root: string,
    readonly os: LayoutOs,
    catalog: Catalog | InstallLayout,
  ) {
    this.layout = catalog instanceof InstallLayout ? catalog : new InstallLayout(catalog, os);
    this.rootOwner = statSync(root).uid;
  }

  host(endpoint: string): string {
    return this.root === '/' ? endpoint : join(this.root, endpoint);
  }

  endpoint(hostPath: string): string | null {
    return endpointPath(this.root, hostPath);
  }

  /** The uid that must own an install of `user` (null = machine-wide). */
  ownerOf(user: string | null): { uid: number } | { reason: string } {
    const key = user ?? '';
    const hit = this.owners.get(key);
    if (hit) return hit;
    let out: { uid: number } | { reason: string };
    if (user === null) out = { uid: this.rootOwner };
    else {
      const home = this.host(homeEndpoint(this.os, user));
      try {
        // The folders above a home belong to the system; the home itself is whoever owns it.
        out = withParent(this.root, home, { owners: new Set([0, this.rootOwner]) }, (dir, name) => {
          const h = dir.child(name);
          h.close();
          return { uid: h.stats.uid };
        });
      } catch (e) {
        if (!(e instanceof UnsafePathError)) throw e;
        out = { reason: `home of ${user}: '${e.path}' ${e.reason}` };
      }
    }
    this.owners.set(key, out);
    return out;
  }

  /**
   * Proves `hostPath` is an install of `tool` for `user` that may be acted on. `exact`: the path must
   * be the install itself (a quarantine target); otherwise it may lie inside one (a running file).
   */
  prove(hostPath: string, want: { tool: string | null; user?: string | null; exact: boolean }): Proof {
    const ep = this.endpoint(hostPath);
    if (ep === null) return { ok: false, reason: `outside the scan root ${this.root}` };
    const matches = this.layout.match(ep, { tool: want.tool, exact: want.exact }).filter((m) => want.user === undefined || m.user === want.user);
    const match = matches[0];
    if (!match) {
      const who = want.user === undefined ? '' : want.user === null ? ' (machine-wide)' : ` in ${want.user}'s home`;
      return { ok: false, reason: `not an install location the catalog names for ${want.tool ?? 'any tool'}${who}` };
    }
    const owner = this.ownerOf(match.user);
    if ('reason' in owner) return { ok: false, reason: owner.reason };
    const install = this.host(match.install);
    try {
      const why = withParent(this.root, install, { owners: new Set([0, this.rootOwner, owner.uid]) }, (dir, name) => {
        const st = lstatSync(dir.at(name), { throwIfNoEntry: false });
        if (!st) return 'does not exist';
        if (st.uid !== owner.uid) return `is owned by uid ${st.uid}, not by ${match.user === null ? 'the machine owner' : match.user} (uid ${owner.uid})`;
        return null;
      });
      if (why) return { ok: false, reason: `'${install}' ${why}` };
    } catch (e) {
      if (!(e instanceof UnsafePathError)) throw e;
      return { ok: false, reason: `'${e.path}' ${e.reason}` };
    }
    return { ok: true, match, uid: owner.uid };
  }
}
