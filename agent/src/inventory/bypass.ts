// Bypass signals: the known ways a tool's managed settings are skipped, observed on this machine and
// handed to the policy as facts (policy input findings[].bypasses). Which signals exist per tool is
// data (policies/data/managed-settings.json): stale managed-file locations the tool no longer reads,
// override variables set in a running process of the tool, a second copy that ignores the managed
// layer. Environment: only the variable NAMES of a running process are read from
// /proc/<pid>/environ and compared with the data's list; values are dropped at once, never kept,
// logged or reported.
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BypassSignal } from '../../../wire/src/bypass.ts';
import type { LayoutOs } from '../../../wire/src/catalog.ts';
import type { Finding, Inventory } from '../../../wire/src/inventory.ts';
import type { ManagedSettingsData } from '../../../wire/src/managed-settings.ts';
import { homeEndpoint } from '../proof/install-proof.ts';
import { readStat } from '../process/linux.ts';

export interface BypassOptions {
  root: string;
  os: LayoutOs;
  data: ManagedSettingsData;
  /** /proc (Linux); override variables are looked for only where it exists. */
  procRoot?: string;
}

const exists = (p: string): boolean => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

const underRoot = (root: string, p: string): string => join(root, ...p.split('/').filter(Boolean));

/**
 * Names of the environment variables of a process, nothing else. The value bytes are scanned past,
 * never turned into strings. null when the process cannot be read (gone, another user's on a
 * hardened /proc, not Linux).
 */
export function environNames(pid: number, procRoot = '/proc'): string[] | null {
  let buf: Buffer;
  try {
    buf = readFileSync(join(procRoot, String(pid), 'environ'));
  } catch {
    return null;
  }
  const names: string[] = [];
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(0, start);
    if (end < 0) end = buf.length;
    const eq = buf.indexOf(0x3d, start); // '='
    if (eq > start && eq < end) names.push(buf.toString('latin1', start, eq));
    start = end + 1;
  }
  buf.fill(0); // the values were in it
  return names;
}

/** Bypass signals for each finding, in inventory order (an empty list when none). */
export function detectBypasses(inv: Inventory, opts: BypassOptions): BypassSignal[][] {
  const procRoot = opts.procRoot ?? '/proc';
  return inv.findings.map((f) => {
    const tool = opts.data.tools.find((t) => t.tool === f.tool_id);
    if (!tool) return [];
    const out: BypassSignal[] = [];
    for (const s of tool.stale_locations) if (s.os.includes(opts.os) && exists(underRoot(opts.root, s.path))) out.push({ kind: 'stale_location', name: s.path });
    if (tool.override_env.length) {
      const wanted = new Set(tool.override_env.map((e) => e.name));
      const seen = new Set<string>();
      for (const p of f.running) {
        // The pid must still be the process the scan attributed (same start time), not a reused one.
        if (p.start && readStat(p.pid, procRoot)?.start !== p.start) continue;
        for (const n of environNames(p.pid, procRoot) ?? []) if (wanted.has(n)) seen.add(n);
      }
      for (const n of [...seen].sort()) out.push({ kind: 'override_env', name: n });
    }
    for (const c of tool.unmanaged_copies) {
      if (!c.os.includes(opts.os)) continue;
      if (usersOf(f, inv).some((u) => exists(underRoot(opts.root, `${homeEndpoint(opts.os, u)}/${c.path.slice(2)}`)))) out.push({ kind: 'unmanaged_copy', name: c.path });
    }
    return out;
  });
}

/** A user's finding looks in that user's home; a machine-wide one in every home on the host. */
function usersOf(f: Finding, inv: Inventory): string[] {
  return f.user !== null ? [f.user] : inv.host.users;
}

/** The inventory with each finding's bypass signals attached (findings without any are unchanged). */
export function withBypasses(inv: Inventory, opts: BypassOptions): Inventory {
  const signals = detectBypasses(inv, opts);
  return { ...inv, findings: inv.findings.map((f, i) => (signals[i]?.length ? { ...f, bypasses: signals[i] } : f)) };
}
