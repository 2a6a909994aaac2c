// The group reports: how many people and devices each group holds (groups) and who exactly
// (group-members). A user group's devices are the active devices where a member's OS login owns an
// install; a device group's are the devices its labels or rule hold.
import type { Repository, Device } from '../store/types.ts';
import type { Cell } from '../reports/csv.ts';
import { MembershipResolver } from './memberships.ts';
import { activeDevices } from './scope.ts';
import { nameKey, type GroupStore } from './store.ts';

export const GROUP_REPORT_COLUMNS = {
  groups: ['kind', 'group', 'source', 'rule', 'people', 'devices'],
  'group-members': ['kind', 'group', 'member_type', 'member_id', 'name', 'login', 'active', 'devices'],
} as const;

/** login (lower-cased) → the active devices where it owns an install. */
async function devicesByLogin(store: Repository, devices: Device[]): Promise<Map<string, Set<Device>>> {
  const out = new Map<string, Set<Device>>();
  const inventories = await store.getInventories(devices.map((d) => d.id));
  for (const d of devices) {
    for (const row of inventories.get(d.id) ?? []) {
      const user = (row.detail as { user?: unknown }).user;
      if (typeof user !== 'string') continue;
      const s = out.get(nameKey(user)) ?? new Set<Device>();
      s.add(d);
      out.set(nameKey(user), s);
    }
  }
  return out;
}

export async function groupReport(store: Repository, groups: GroupStore, kind: 'groups' | 'group-members'): Promise<Record<string, Cell>[]> {
  const devices = await activeDevices(store);
  const byLogin = await devicesByLogin(store, devices);
  const resolver = await MembershipResolver.load(groups);
  const deviceGroups = await resolver.deviceGroupsOf(devices);
  const rows: Record<string, Cell>[] = [];
  for (const g of await groups.listGroups()) {
    const base = { kind: g.kind, group: g.name };
    if (g.kind === 'device') {
      const labelled = new Set((await groups.members(g.id)).map((m) => m.slice('device:'.length)));
      const inGroup = devices.filter((d) => (deviceGroups.get(d.id) ?? []).some((x) => x.id === g.id));
      if (kind === 'groups') rows.push({ ...base, source: g.source, rule: g.rule ? JSON.stringify(g.rule) : '', people: null, devices: inGroup.length });
      else for (const d of inGroup) rows.push({ ...base, member_type: labelled.has(d.id) ? 'device (label)' : 'device (rule)', member_id: d.id, name: d.hostname, login: null, active: null, devices: d.hostname });
      continue;
    }
    const members = await groups.members(g.id);
    const users = await groups.getUsers(members.filter((m) => m.startsWith('user:')).map((m) => m.slice('user:'.length)));
    const people = [
      ...users.map((u) => ({ type: 'user', id: u.id, name: u.userName, login: u.login, active: u.active as boolean | null })),
      ...members.filter((m) => m.startsWith('login:')).map((m) => ({ type: 'login', id: m.slice('login:'.length), name: m.slice('login:'.length), login: m.slice('login:'.length) as string | null, active: null })),
    ];
    const on = (login: string | null): Device[] => (login === null ? [] : [...(byLogin.get(nameKey(login)) ?? [])]);
    if (kind === 'groups') rows.push({ ...base, source: g.source, rule: '', people: people.length, devices: new Set(people.flatMap((p) => on(p.login))).size });
    else for (const p of people) rows.push({ ...base, member_type: p.type, member_id: p.id, name: p.name, login: p.login, active: p.active, devices: on(p.login).map((d) => d.hostname).sort().join(' ') });
  }
  return rows;
}
