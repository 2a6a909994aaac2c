// A group as a filter over the fleet's inventory (the inventory explorer's "group"): a device group is
// the active devices its labels or rule hold (the same test as the agents' memberships and the
// Groups page, memberships.ts / rule.ts); a user group is the OS logins of its people — directory
// users through their mapped login, and logins kept by hand. The result is bound into the inventory
// query as one parameter (store/fleet-sql.ts), so a group of any size filters in the database and
// the paging and counts stay exact.
import type { Device, Repository } from '../store/types.ts';
import { deviceFacts } from './memberships.ts';
import { compileRule } from './rule.ts';
import { nameKey, type GroupStore } from './store.ts';

export type GroupScope = { kind: 'device'; deviceIds: string[] } | { kind: 'user'; logins: string[] };

/** Every active device (paged reads). */
export async function activeDevices(store: Repository): Promise<Device[]> {
  const out: Device[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await store.listDevices({ limit: 1000, offset });
    out.push(...page.filter((d) => d.state === 'active'));
    if (page.length < 1000) return out;
  }
}

/** What group `id` holds, or null when there is no such group. */
export async function groupScope(store: Repository, groups: GroupStore, id: string): Promise<GroupScope | null> {
  const g = await groups.getGroup(id);
  if (!g) return null;
  const members = await groups.members(g.id);
  if (g.kind === 'device') {
    const labelled = new Set(members.filter((m) => m.startsWith('device:')).map((m) => m.slice('device:'.length)));
    const test = g.rule ? compileRule(g.rule) : null;
    // Without a rule the labels are the group: no need to read the fleet (a label on a revoked
    // device matches nothing, as the inventory query keeps active devices only).
    if (test === null) return { kind: 'device', deviceIds: [...labelled].sort() };
    const ids = (await activeDevices(store)).filter((d) => labelled.has(d.id) || test(deviceFacts(d))).map((d) => d.id);
    return { kind: 'device', deviceIds: ids.sort() };
  }
  const users = await groups.getUsers(members.filter((m) => m.startsWith('user:')).map((m) => m.slice('user:'.length)));
  const logins = new Set<string>();
  for (const u of users) if (u.login !== null) logins.add(nameKey(u.login));
  for (const m of members) if (m.startsWith('login:')) logins.add(nameKey(m.slice('login:'.length)));
  return { kind: 'user', logins: [...logins].sort() };
}
