// Policy as code: the parts of the server a folder of files can describe — the ban list (rules and its
// settings), the exceptions IT grants in files (the list's file exceptions), hand-kept groups, and
// webhooks — each as a map of item key → canonical JSON, so that "what changes" and "did someone edit
// by hand" are one diff. SCIM-provisioned groups, exceptions granted through the approval workflow
// ('x-…') and file exceptions gitops did not create are not code: gitops leaves them alone.
import { createHash } from 'node:crypto';
import type { BanList, PolicyException } from '../../../wire/src/banlist.ts';
import { loginMember, deviceMember, type GroupRecord } from '../groups/store.ts';
import type { GroupDraft } from '../routes/groups.ts';
import type { WebhookDraft } from '../routes/integrations.ts';
import type { Webhook } from '../integrations/webhook-store.ts';

export type Section = 'bans' | 'exceptions' | 'groups' | 'webhooks';
export const SECTIONS: readonly Section[] = ['bans', 'exceptions', 'groups', 'webhooks'];
export type Items = Map<string, string>;

/** JSON with object keys sorted, so equal documents compare equal. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function hashItems(items: Items): string {
  const h = createHash('sha256');
  for (const k of [...items.keys()].sort()) h.update(`${k}\u0000${items.get(k)}\u0000`);
  return h.digest('hex');
}

export function banItems(list: BanList): Items {
  const items: Items = new Map();
  items.set('settings', canonical({ name: list.name, mode: list.mode, default_action: list.default_action, message: list.message, alternative: list.alternative }));
  list.rules.forEach((r, position) => items.set(`rule ${r.id}`, canonical({ position, rule: r })));
  return items;
}

/** Exceptions granted through the approval workflow (tray requests, the console) carry this id prefix. */
export const isGranted = (e: PolicyException): boolean => e.id.startsWith('x-');
export const exceptionKey = (id: string): string => `exception ${id}`;

/** The ban list's file exceptions (not the granted ones), or only those whose keys are in `only`. */
export function exceptionItems(exceptions: readonly PolicyException[], only?: ReadonlySet<string>): Items {
  const items: Items = new Map();
  for (const e of exceptions) {
    if (isGranted(e) || (only && !only.has(exceptionKey(e.id)))) continue;
    items.set(exceptionKey(e.id), canonical(e));
  }
  return items;
}

const groupKey = (kind: string, name: string): string => `${kind} group ${name.trim().toLowerCase()}`;

export function groupItemsFromFile(groups: GroupDraft[]): Items {
  const items: Items = new Map();
  for (const g of groups) {
    const members = g.kind === 'device' ? (g.members?.devices ?? []).map(deviceMember) : (g.members?.logins ?? []).map(loginMember);
    items.set(groupKey(g.kind, g.name), canonical({ name: g.name.trim(), description: g.description ?? '', rule: g.rule ?? null, members: [...new Set(members)].sort() }));
  }
  return items;
}

export function groupItemsFromServer(groups: { group: GroupRecord; members: string[] }[]): Items {
  const items: Items = new Map();
  for (const { group: g, members } of groups) {
    if (g.source !== 'api') continue;
    items.set(groupKey(g.kind, g.name), canonical({ name: g.name, description: g.description, rule: g.rule ?? null, members: [...members].sort() }));
  }
  return items;
}

export function webhookItemsFromFile(hooks: WebhookDraft[]): Items {
  return new Map(hooks.map((w) => [`webhook ${w.name}`, canonical({ url: w.url, events: w.events, format: w.format ?? 'json', enabled: w.enabled ?? true })]));
}

export function webhookItemsFromServer(hooks: Webhook[]): Items {
  return new Map(hooks.map((w) => [`webhook ${w.name}`, canonical({ url: w.url, events: w.events, format: w.format, enabled: w.enabled })]));
}

export interface ItemChange {
  op: 'create' | 'update' | 'delete';
  key: string;
}

/** What turns `from` into `to`, in key order. */
export function diffItems(from: Items, to: Items): ItemChange[] {
  const out: ItemChange[] = [];
  for (const k of [...new Set([...from.keys(), ...to.keys()])].sort()) {
    const a = from.get(k);
    const b = to.get(k);
    if (a === undefined) out.push({ op: 'create', key: k });
    else if (b === undefined) out.push({ op: 'delete', key: k });
    else if (a !== b) out.push({ op: 'update', key: k });
  }
  return out;
}

/** What the last apply left on the server, per section it managed (kept in the settings table). */
export interface LastApply {
  at: number;
  by: string;
  why: string;
  sections: Partial<Record<Section, { hash: string; items: [string, string][] }>>;
}
export const LAST_APPLY_SETTING = 'gitops_last_apply';
