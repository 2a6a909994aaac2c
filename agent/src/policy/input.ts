// Builds the policy input from the inventory, the device's facts, the clock and the exceptions,
// and validates it: policy sees only identities, versions and groups (no paths, no pids).
import type { Inventory, Finding } from '../../../wire/src/inventory.ts';
import type { PolicyException } from '../../../wire/src/banlist.ts';
import { PolicyInput, type PolicyFinding } from '../../../wire/src/policy-input.ts';
import type { BypassSignal } from '../../../wire/src/bypass.ts';
import { utcTime } from '../../../wire/src/utc-time.ts';
import { validateTrusted } from '../../../wire/src/validate-trusted.ts';
import { coerceSemver } from './semver.ts';

export interface DeviceFacts {
  /** Enrolled device id (the server's), or the hostname before enrollment. */
  id: string;
  groups: string[];
  /** user name → the user's groups (from the directory, via the server). */
  userGroups: Record<string, string[]>;
}

/** Stable id of a finding: one finding per tool × channel × user in the inventory. */
export function findingId(f: Finding): string {
  return `${f.tool_id}:${f.channel}:${f.user ?? '-'}`;
}

/** Ids for every inventory finding, in order (suffixes keep them unique should the inventory repeat one). */
export function findingIds(inv: Inventory): string[] {
  const seen = new Set<string>();
  return inv.findings.map((f) => {
    let id = findingId(f);
    for (let n = 2; seen.has(id); n++) id = `${findingId(f)}#${n}`;
    seen.add(id);
    return id;
  });
}

/** `bypasses`: per finding (inventory order), the ways its managed settings were seen bypassed (inventory/bypass.ts); default: the findings' own. */
export function buildPolicyInput(inv: Inventory, device: DeviceFacts, now: Date, exceptions: PolicyException[], bypasses?: BypassSignal[][]): PolicyInput {
  const users: Record<string, { groups: string[] }> = {};
  for (const u of inv.host.users) users[u] = { groups: device.userGroups[u] ?? [] };
  const findings: PolicyFinding[] = [];
  const ids = findingIds(inv);
  for (const [i, f] of inv.findings.entries()) {
    const id = ids[i] as string;
    if (f.user !== null && !users[f.user]) users[f.user] = { groups: device.userGroups[f.user] ?? [] };
    findings.push({
      id,
      tool: f.tool_id,
      name: f.name,
      vendor: f.vendor,
      vendor_country: f.vendor_country,
      category: f.category,
      channel: f.channel,
      user: f.user,
      version: f.version,
      semver: coerceSemver(f.version),
      running: f.running.length > 0,
      ...(f.mcp_servers?.length ? { mcp_servers: f.mcp_servers.map((m) => ({ name: m.name, transport: m.transport, scope: m.scope })) } : {}),
      ...((bypasses?.[i] ?? f.bypasses)?.length ? { bypasses: bypasses?.[i] ?? f.bypasses } : {}),
    });
  }
  const input = {
    now: utcTime(now),
    device: { id: device.id, hostname: inv.host.hostname, os: inv.host.os.platform, groups: device.groups },
    users,
    findings,
    exceptions,
  };
  return validateTrusted(PolicyInput, input, 'policy input');
}
