// Which groups a device and the people on it are in: device groups by label or rule over the device's
// reported facts, user groups through the directory (SCIM user → OS login) or hand-kept login lists.
// One resolver serves the agent's memberships answer, the impact preview and the reports, so what
// the server predicts is what the agents evaluate.
//
// Group names compare without case. Where the ban list names a group, the answer uses the ban list's
// spelling (the policy compares names exactly); the agent is told only about groups the policy names.
import type { BanList, RuleMatch } from '../../../wire/src/banlist.ts';
import type { Device } from '../store/types.ts';
import { compileRule, type DeviceFacts } from './rule.ts';
import { nameKey, type GroupRecord, type GroupStore } from './store.ts';

export interface Memberships {
  deviceGroups: string[];
  /** OS login (as the device reported it) → user groups. */
  userGroups: Record<string, string[]>;
}

/** Group names a ban list refers to (key → the list's spelling), per kind. */
export interface PolicyGroupNames {
  user: Map<string, string>;
  device: Map<string, string>;
}

export function policyGroupNames(rules: { match: RuleMatch }[]): PolicyGroupNames {
  const out: PolicyGroupNames = { user: new Map(), device: new Map() };
  for (const r of rules) {
    for (const m of [r.match, r.match.unless]) {
      for (const g of m?.user_groups ?? []) if (!out.user.has(nameKey(g))) out.user.set(nameKey(g), g);
      for (const g of m?.device_groups ?? []) if (!out.device.has(nameKey(g))) out.device.set(nameKey(g), g);
    }
  }
  return out;
}

export const listGroupNames = (list: BanList): PolicyGroupNames => policyGroupNames(list.rules);

/** The facts a device-group rule reads; the agent's current version comes from its last status. */
export function deviceFacts(d: Device): DeviceFacts {
  const reported = d.status?.agent_version;
  return { hostname: d.hostname, platform: d.platform, agentVersion: typeof reported === 'string' ? reported : d.agentVersion, serial: d.serial };
}

function spell(names: Iterable<string>, policy: Map<string, string>, onlyPolicy: boolean): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const p = policy.get(nameKey(n));
    if (p !== undefined) out.add(p);
    else if (!onlyPolicy) out.add(n);
  }
  return [...out].sort();
}

export class MembershipResolver {
  private constructor(
    private readonly store: GroupStore,
    private readonly deviceGroups: { group: GroupRecord; test: ((d: DeviceFacts) => boolean) | null }[],
  ) {}

  static async load(store: GroupStore): Promise<MembershipResolver> {
    const groups = await store.listGroups('device');
    return new MembershipResolver(store, groups.map((group) => ({ group, test: group.rule ? compileRule(group.rule) : null })));
  }

  /** Device groups each device is in (by label or rule), by device id. */
  async deviceGroupsOf(devices: Device[]): Promise<Map<string, GroupRecord[]>> {
    const labels = await this.store.deviceLabels(devices.map((d) => d.id));
    const out = new Map<string, GroupRecord[]>();
    for (const d of devices) {
      const facts = deviceFacts(d);
      const labelled = new Set(labels.get(d.id) ?? []);
      out.set(d.id, this.deviceGroups.filter(({ group, test }) => labelled.has(group.id) || (test !== null && test(facts))).map((x) => x.group));
    }
    return out;
  }

  /**
   * Memberships of each device and of the logins found on it. With `onlyPolicy`, only the groups the
   * policy names are kept (what an agent is told); names are spelled as the policy spells them.
   */
  async resolve(entries: { device: Device; logins: string[] }[], policy: PolicyGroupNames, onlyPolicy: boolean): Promise<Map<string, Memberships>> {
    const devGroups = await this.deviceGroupsOf(entries.map((e) => e.device));
    const byLogin = await this.store.userGroupsByLogin(entries.flatMap((e) => e.logins));
    const out = new Map<string, Memberships>();
    for (const { device, logins } of entries) {
      const userGroups: Record<string, string[]> = {};
      for (const l of logins) {
        const names = spell(byLogin.get(nameKey(l)) ?? [], policy.user, onlyPolicy);
        if (names.length > 0) userGroups[l] = names;
      }
      out.set(device.id, { deviceGroups: spell((devGroups.get(device.id) ?? []).map((g) => g.name), policy.device, onlyPolicy), userGroups });
    }
    return out;
  }
}
