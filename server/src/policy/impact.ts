// Impact preview and compliance: evaluate a ban list against the latest inventory of every active
// device (the same policy and inputs the agents use, group memberships included: groups/memberships.ts)
// and compare decisions.
import type { BanList } from '../../../wire/src/banlist.ts';
import type { Action, Decision } from '../../../wire/src/decision.ts';
import { ACTIONS } from '../../../wire/src/decision.ts';
import type { Finding, Inventory } from '../../../wire/src/inventory.ts';
import type { PolicyInput } from '../../../wire/src/policy-input.ts';
import { buildPolicyInput } from '../../../agent/src/policy/input.ts';
import { HttpError } from '../http-error.ts';
import type { Device, Repository } from '../store/types.ts';
import type { GroupStore } from '../groups/store.ts';
import { MembershipResolver, policyGroupNames } from '../groups/memberships.ts';
import type { PolicyEvaluator } from './evaluator.ts';

export interface DeviceInput {
  device: Device;
  input: PolicyInput;
}

export interface ImpactChange {
  device_id: string;
  hostname: string;
  finding: string;
  tool: string;
  /** The finding's owner, null for a machine-wide install. */
  user: string | null;
  from: Action;
  to: Action;
  /** Groups through which the draft's winning rule matches ("user:contractors", "device:build-hosts"). */
  groups: string[];
}

/** Per group that made a draft rule match a changed finding: how many devices and findings change. */
export interface GroupImpact {
  devices: number;
  findings: number;
}

/** How many devices, users (distinct names) and findings a draft moves into an action. */
export interface ImpactMove {
  devices: number;
  users: number;
  findings: number;
}

export interface ImpactReport {
  devices_evaluated: number;
  devices_changed: number;
  findings_evaluated: number;
  findings_changed: number;
  before: Record<Action, number>;
  after: Record<Action, number>;
  /** Keyed by the action findings move to; only actions something moves to. Counts every change, not only the listed ones. */
  moves: Partial<Record<Action, ImpactMove>>;
  changes: ImpactChange[];
  by_group: Record<string, GroupImpact>;
  truncated: boolean;
}

const MAX_CHANGES = 500;
/** Actions that mean "this device holds a tool the company does not allow". */
export const VIOLATION_ACTIONS: readonly Action[] = ['notify', 'warn', 'block', 'quarantine'];

function needEvaluator(e: PolicyEvaluator | null): PolicyEvaluator {
  if (!e) throw new HttpError(503, 'policy_unavailable', 'this server has no policy evaluator configured (the fleet policy must compile to WASM); impact preview and compliance need it');
  return e;
}

/**
 * Policy inputs of every active device with an inventory, as the agent would build them, with the
 * groups the device and its people are in (names spelled as `lists` spell them).
 */
export async function fleetInputs(store: Repository, groups: GroupStore, now: Date, lists: BanList[]): Promise<DeviceInput[]> {
  const out: DeviceInput[] = [];
  const resolver = await MembershipResolver.load(groups);
  const names = policyGroupNames(lists.flatMap((l) => l.rules));
  for (let offset = 0; ; offset += 1000) {
    const devices = await store.listDevices({ limit: 1000, offset });
    const withInventory = devices.filter((d) => d.state === 'active' && d.inventoryAt !== null);
    const inventories = await store.getInventories(withInventory.map((d) => d.id));
    const entries = withInventory.map((device) => {
      const findings = (inventories.get(device.id) ?? []).map((r) => r.detail as unknown as Finding);
      return { device, findings, logins: [...new Set(findings.map((f) => f.user).filter((u): u is string => u !== null))] };
    });
    const memberships = await resolver.resolve(entries, names, false);
    for (const { device, findings, logins } of entries) {
      const inv: Inventory = {
        schema_version: 1, scanned_at: new Date(device.inventoryAt ?? 0).toISOString(), duration_ms: 0, root: '/', catalog_version: '',
        host: { hostname: device.hostname, os: { platform: device.platform as 'linux' | 'darwin' | 'win32', distro: '', release: '', arch: '' }, serial: device.serial, users: logins },
        findings,
        skipped: [],
      };
      const m = memberships.get(device.id);
      out.push({ device, input: buildPolicyInput(inv, { id: device.id, groups: m?.deviceGroups ?? [], userGroups: m?.userGroups ?? {} }, now, []) });
    }
    if (devices.length < 1000) return out;
  }
}

const zero = (): Record<Action, number> => Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<Action, number>;

export async function previewImpact(store: Repository, groups: GroupStore, evaluator: PolicyEvaluator | null, current: BanList, draft: BanList, now: Date): Promise<ImpactReport> {
  const ev = needEvaluator(evaluator);
  const fleet = await fleetInputs(store, groups, now, [draft, current]);
  const inputs = fleet.map((f) => f.input);
  const [before, after] = await Promise.all([ev.evaluate(current, inputs), ev.evaluate(draft, inputs)]);
  const report: ImpactReport = { devices_evaluated: fleet.length, devices_changed: 0, findings_evaluated: 0, findings_changed: 0, before: zero(), after: zero(), moves: {}, changes: [], by_group: {}, truncated: false };
  const moved = new Map<Action, { devices: Set<string>; users: Set<string>; findings: number }>();
  fleet.forEach(({ device, input }, i) => {
    const b = new Map((before[i] ?? []).map((d) => [d.finding, d]));
    const owner = new Map(input.findings.map((f) => [f.id, f.user]));
    let changed = false;
    const deviceGroups = new Set<string>();
    for (const a of after[i] ?? []) {
      const prev = b.get(a.finding);
      report.findings_evaluated++;
      report.after[a.action]++;
      if (prev) report.before[prev.action]++;
      if (!prev || prev.action !== a.action) {
        changed = true;
        report.findings_changed++;
        const user = owner.get(a.finding) ?? null;
        const m = moved.get(a.action) ?? { devices: new Set<string>(), users: new Set<string>(), findings: 0 };
        m.devices.add(device.id);
        if (user !== null) m.users.add(user);
        m.findings++;
        moved.set(a.action, m);
        const groups = a.groups ?? [];
        for (const g of groups) {
          const bg = (report.by_group[g] ??= { devices: 0, findings: 0 });
          bg.findings++;
          if (!deviceGroups.has(g)) bg.devices++;
          deviceGroups.add(g);
        }
        if (report.changes.length < MAX_CHANGES) report.changes.push({ device_id: device.id, hostname: device.hostname, finding: a.finding, tool: a.tool, user, from: prev?.action ?? 'allow', to: a.action, groups });
        else report.truncated = true;
      }
    }
    if (changed) report.devices_changed++;
  });
  for (const [action, m] of moved) report.moves[action] = { devices: m.devices.size, users: m.users.size, findings: m.findings };
  return report;
}

export interface DeviceDecisions {
  device: Device;
  decisions: Decision[];
}

/** Current decisions per device under `list`. */
export async function fleetDecisions(store: Repository, groups: GroupStore, evaluator: PolicyEvaluator | null, list: BanList, now: Date): Promise<DeviceDecisions[]> {
  const ev = needEvaluator(evaluator);
  const fleet = await fleetInputs(store, groups, now, [list]);
  const out = await ev.evaluate(list, fleet.map((f) => f.input));
  return fleet.map(({ device }, i) => ({ device, decisions: out[i] ?? [] }));
}
