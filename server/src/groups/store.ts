// Groups and the directory as the server keeps them (tables of migration 2), written once in portable
// SQL over the same driver as the repository. Every change to a group (its fields or its members) is
// one transaction that bumps the fleet's group revision once and appends a versioned row (who, when,
// why, what) — the ban list's model (store/sql-repository.ts changeBans).
//
// Members are strings: 'user:<directory user id>' (SCIM users), 'login:<os login>' (user groups kept
// by hand, matched to the OS account the agent reports) and 'device:<device id>' (devices labelled by
// hand; device groups may add a rule, see rule.ts).
import { isUniqueViolation, type SqlDriver, type SqlExecutor, type SqlValue } from '../store/sql-driver.ts';
import { Rollback, json, num, optJson, optStr, str, type Row } from '../store/sql-repository.ts';
import type { DeviceRule } from './rule.ts';

export type GroupKind = 'user' | 'device';
/** 'scim': owned by the identity provider (read-only through the admin API); 'api': kept by hand. */
export type GroupSource = 'api' | 'scim';

export interface GroupFields {
  kind: GroupKind;
  name: string;
  source: GroupSource;
  externalId: string | null;
  description: string;
  /** Device groups only: devices matching it are members besides those labelled by hand. */
  rule: DeviceRule | null;
}

export interface GroupRecord extends GroupFields {
  id: string;
  version: number;
  createdBy: string;
  createdAt: number;
  updatedBy: string;
  updatedAt: number;
}

export type GroupOp = 'create' | 'update' | 'delete' | 'members';

export interface GroupVersion {
  revision: number;
  groupId: string;
  version: number;
  op: GroupOp;
  /** create/update: the group's fields; members: { added, removed }; delete: the last fields. */
  detail: Record<string, unknown>;
  by: string;
  at: number;
  why: string;
}

export interface DirectoryUser {
  id: string;
  userName: string;
  externalId: string | null;
  active: boolean;
  /** The OS login this person uses (lower-cased), derived by the login mapping (login-mapping.ts). */
  login: string | null;
  /** The SCIM resource as provisioned (without id, meta and groups). */
  resource: Record<string, unknown>;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export type NewDirectoryUser = Omit<DirectoryUser, 'version' | 'createdAt' | 'updatedAt'>;

export type SaveResult = { group: GroupRecord; revision: number; changed: boolean } | { exists: string } | { missing: string } | { conflict: number };

/** Case-insensitive keys: group names, user names and logins compare without case. */
export const nameKey = (s: string): string => s.trim().toLowerCase();
export const userMember = (id: string): string => `user:${id}`;
export const loginMember = (login: string): string => `login:${nameKey(login)}`;
export const deviceMember = (id: string): string => `device:${id}`;

function toGroup(r: Row): GroupRecord {
  return {
    id: str(r.id), kind: str(r.kind) as GroupKind, name: str(r.name), source: str(r.source) as GroupSource, externalId: optStr(r.external_id), description: str(r.description),
    rule: optJson(r.rule_json) as DeviceRule | null, version: num(r.version), createdBy: str(r.created_by), createdAt: num(r.created_at), updatedBy: str(r.updated_by), updatedAt: num(r.updated_at),
  };
}
function toVersion(r: Row): GroupVersion {
  return { revision: num(r.revision), groupId: str(r.group_id), version: num(r.version), op: str(r.op) as GroupOp, detail: json(r.detail_json), by: str(r.by_actor), at: num(r.at), why: str(r.why) };
}
function toUser(r: Row): DirectoryUser {
  return {
    id: str(r.id), userName: str(r.user_name), externalId: optStr(r.external_id), active: num(r.active) === 1, login: optStr(r.login_key),
    resource: json(r.resource_json), version: num(r.version), createdAt: num(r.created_at), updatedAt: num(r.updated_at),
  };
}
const fieldsOf = (g: GroupFields): Record<string, unknown> => ({ kind: g.kind, name: g.name, source: g.source, external_id: g.externalId, description: g.description, rule: g.rule });
const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(',');

/** Runs `q` over `values` in chunks that stay far below both databases' parameter limits. */
async function chunked<T>(values: string[], q: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += 500) out.push(...(await q(values.slice(i, i + 500))));
  return out;
}

export class GroupStore {
  constructor(private readonly db: SqlDriver) {}

  async revision(): Promise<number> {
    return num((await this.db.get<Row>("SELECT value FROM settings WHERE key = 'group_revision'"))?.value ?? 0);
  }

  // ---- groups
  async listGroups(kind?: GroupKind): Promise<GroupRecord[]> {
    const rows = kind === undefined ? await this.db.all<Row>('SELECT * FROM fleet_groups ORDER BY kind, name_key') : await this.db.all<Row>('SELECT * FROM fleet_groups WHERE kind = ? ORDER BY name_key', [kind]);
    return rows.map(toGroup);
  }
  async getGroup(id: string): Promise<GroupRecord | null> {
    const r = await this.db.get<Row>('SELECT * FROM fleet_groups WHERE id = ?', [id]);
    return r ? toGroup(r) : null;
  }
  async getGroupByName(kind: GroupKind, name: string): Promise<GroupRecord | null> {
    const r = await this.db.get<Row>('SELECT * FROM fleet_groups WHERE kind = ? AND name_key = ?', [kind, nameKey(name)]);
    return r ? toGroup(r) : null;
  }
  async members(groupId: string): Promise<string[]> {
    return (await this.db.all<Row>('SELECT member FROM group_members WHERE group_id = ? ORDER BY member', [groupId])).map((r) => str(r.member));
  }
  /** Member counts per group id. */
  async memberCounts(): Promise<Map<string, number>> {
    const rows = await this.db.all<Row>('SELECT group_id, COUNT(*) AS n FROM group_members GROUP BY group_id');
    return new Map(rows.map((r) => [str(r.group_id), num(r.n)]));
  }
  /** Ids of the groups that list any of these members. */
  async groupsListing(members: string[]): Promise<{ groupId: string; member: string }[]> {
    return chunked(members, async (c) => (await this.db.all<Row>(`SELECT group_id, member FROM group_members WHERE member IN (${placeholders(c.length)})`, c)).map((r) => ({ groupId: str(r.group_id), member: str(r.member) })));
  }

  /**
   * Creates (no id) or changes a group and/or its members in one transaction. members null leaves
   * them as they are. expectVersion makes it a compare-and-set. A no-op writes nothing.
   */
  async saveGroup(input: { id?: string; newId?: string; fields: GroupFields; members: string[] | null; expectVersion?: number }, by: string, at: number, why: string): Promise<SaveResult> {
    try {
      return await this.db.transaction<SaveResult>(async (tx) => {
        const revision = await this.bump(tx);
        let cur: GroupRecord | null = null;
        if (input.id !== undefined) {
          const r = await tx.get<Row>('SELECT * FROM fleet_groups WHERE id = ?', [input.id]);
          if (!r) throw new Rollback<SaveResult>({ missing: input.id });
          cur = toGroup(r);
          if (input.expectVersion !== undefined && cur.version !== input.expectVersion) throw new Rollback<SaveResult>({ conflict: cur.version });
        }
        const f = input.fields;
        const clash = await tx.get<Row>('SELECT id FROM fleet_groups WHERE kind = ? AND name_key = ?', [f.kind, nameKey(f.name)]);
        if (clash && str(clash.id) !== cur?.id) throw new Rollback<SaveResult>({ exists: f.name });
        const id = cur?.id ?? input.newId ?? '';
        let version = cur?.version ?? 0;
        const fieldsChanged = !cur || JSON.stringify(fieldsOf(cur)) !== JSON.stringify(fieldsOf(f));
        if (fieldsChanged) {
          version += 1;
          if (!cur) {
            await tx.run(
              'INSERT INTO fleet_groups (id, kind, name, name_key, source, external_id, description, rule_json, version, created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
              [id, f.kind, f.name, nameKey(f.name), f.source, f.externalId, f.description, f.rule ? JSON.stringify(f.rule) : null, version, by, at, by, at],
            );
          } else {
            await tx.run('UPDATE fleet_groups SET name = ?, name_key = ?, source = ?, external_id = ?, description = ?, rule_json = ?, version = ?, updated_by = ?, updated_at = ? WHERE id = ?', [
              f.name, nameKey(f.name), f.source, f.externalId, f.description, f.rule ? JSON.stringify(f.rule) : null, version, by, at, id,
            ]);
          }
          await this.version(tx, revision, id, version, cur ? 'update' : 'create', fieldsOf(f), by, at, why);
        }
        let membersChanged = false;
        if (input.members !== null) {
          const have = new Set(cur ? (await tx.all<Row>('SELECT member FROM group_members WHERE group_id = ?', [id])).map((r) => str(r.member)) : []);
          const want = new Set(input.members);
          const added = [...want].filter((m) => !have.has(m)).sort();
          const removed = [...have].filter((m) => !want.has(m)).sort();
          if (added.length > 0 || removed.length > 0) {
            membersChanged = true;
            await this.applyMembers(tx, id, added, removed, at);
            version += 1;
            await tx.run('UPDATE fleet_groups SET version = ?, updated_by = ?, updated_at = ? WHERE id = ?', [version, by, at, id]);
            await this.version(tx, revision, id, version, 'members', { added, removed }, by, at, why);
          }
        }
        if (!fieldsChanged && !membersChanged) throw new Rollback<SaveResult>({ group: cur as GroupRecord, revision: revision - 1, changed: false });
        const row = await tx.get<Row>('SELECT * FROM fleet_groups WHERE id = ?', [id]);
        return { group: toGroup(row as Row), revision, changed: true };
      });
    } catch (err) {
      if (err instanceof Rollback) return err.value as SaveResult;
      // Two creators raced past the name check on different nodes: the unique index decides.
      if (isUniqueViolation(err)) return { exists: input.fields.name };
      throw err;
    }
  }

  async deleteGroup(id: string, by: string, at: number, why: string, expectVersion?: number): Promise<{ revision: number; group: GroupRecord } | { missing: string } | { conflict: number }> {
    type Out = { revision: number; group: GroupRecord } | { missing: string } | { conflict: number };
    try {
      return await this.db.transaction<Out>(async (tx) => {
        const revision = await this.bump(tx);
        const r = await tx.get<Row>('SELECT * FROM fleet_groups WHERE id = ?', [id]);
        if (!r) throw new Rollback<Out>({ missing: id });
        const g = toGroup(r);
        if (expectVersion !== undefined && g.version !== expectVersion) throw new Rollback<Out>({ conflict: g.version });
        const members = (await tx.all<Row>('SELECT member FROM group_members WHERE group_id = ?', [id])).length;
        await tx.run('DELETE FROM group_members WHERE group_id = ?', [id]);
        await tx.run('DELETE FROM fleet_groups WHERE id = ?', [id]);
        await this.version(tx, revision, id, g.version + 1, 'delete', { ...fieldsOf(g), members }, by, at, why);
        return { revision, group: g };
      });
    } catch (err) {
      if (err instanceof Rollback) return err.value as Out;
      throw err;
    }
  }

  async history(groupId?: string, limit = 100, offset = 0): Promise<GroupVersion[]> {
    const rows = groupId === undefined
      ? await this.db.all<Row>('SELECT * FROM group_versions ORDER BY seq DESC LIMIT ? OFFSET ?', [limit, offset])
      : await this.db.all<Row>('SELECT * FROM group_versions WHERE group_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?', [groupId, limit, offset]);
    return rows.map(toVersion);
  }

  private async bump(tx: SqlExecutor): Promise<number> {
    // The UPDATE takes the row lock (PostgreSQL) / the write lock (SQLite) first: concurrent writers
    // serialize here, so the name checks below are exact.
    await tx.run("UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'group_revision'");
    return num((await tx.get<Row>("SELECT value FROM settings WHERE key = 'group_revision'"))?.value);
  }

  private async version(tx: SqlExecutor, revision: number, groupId: string, version: number, op: GroupOp, detail: Record<string, unknown>, by: string, at: number, why: string): Promise<void> {
    await tx.run('INSERT INTO group_versions (revision, group_id, version, op, detail_json, by_actor, at, why) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [revision, groupId, version, op, JSON.stringify(detail), by, at, why]);
  }

  private async applyMembers(tx: SqlExecutor, groupId: string, added: string[], removed: string[], at: number): Promise<void> {
    for (let i = 0; i < removed.length; i += 500) {
      const c = removed.slice(i, i + 500);
      await tx.run(`DELETE FROM group_members WHERE group_id = ? AND member IN (${placeholders(c.length)})`, [groupId, ...c]);
    }
    for (let i = 0; i < added.length; i += 300) {
      const c = added.slice(i, i + 300);
      await tx.run(`INSERT INTO group_members (group_id, member, added_at) VALUES ${c.map(() => '(?, ?, ?)').join(',')}`, c.flatMap((m): SqlValue[] => [groupId, m, at]));
    }
  }

  // ---- directory users (SCIM)
  async getUser(id: string): Promise<DirectoryUser | null> {
    const r = await this.db.get<Row>('SELECT * FROM directory_users WHERE id = ?', [id]);
    return r ? toUser(r) : null;
  }
  async getUsers(ids: string[]): Promise<DirectoryUser[]> {
    return chunked(ids, async (c) => (await this.db.all<Row>(`SELECT * FROM directory_users WHERE id IN (${placeholders(c.length)})`, c)).map(toUser));
  }
  /** Users narrowed by an indexed attribute (SCIM filters on userName / externalId / id), or all of them. */
  async findUsers(by?: { userName?: string; externalId?: string; id?: string; login?: string }): Promise<DirectoryUser[]> {
    let rows: Row[];
    if (by?.id !== undefined) rows = await this.db.all<Row>('SELECT * FROM directory_users WHERE id = ?', [by.id]);
    else if (by?.userName !== undefined) rows = await this.db.all<Row>('SELECT * FROM directory_users WHERE user_name_key = ?', [nameKey(by.userName)]);
    else if (by?.externalId !== undefined) rows = await this.db.all<Row>('SELECT * FROM directory_users WHERE external_id = ? ORDER BY user_name_key', [by.externalId]);
    else if (by?.login !== undefined) rows = await this.db.all<Row>('SELECT * FROM directory_users WHERE login_key = ? ORDER BY user_name_key', [nameKey(by.login)]);
    else rows = await this.db.all<Row>('SELECT * FROM directory_users ORDER BY created_at, id');
    return rows.map(toUser);
  }
  async countUsers(): Promise<number> {
    return num((await this.db.get<Row>('SELECT COUNT(*) AS n FROM directory_users'))?.n ?? 0);
  }

  /** 'exists' when another user already has this userName (case-insensitive). */
  async createUser(u: NewDirectoryUser, at: number): Promise<DirectoryUser | 'exists'> {
    try {
      await this.db.run(
        'INSERT INTO directory_users (id, user_name, user_name_key, external_id, active, login_key, resource_json, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)',
        [u.id, u.userName, nameKey(u.userName), u.externalId, u.active ? 1 : 0, u.login === null ? null : nameKey(u.login), JSON.stringify(u.resource), at, at],
      );
    } catch (err) {
      if (isUniqueViolation(err)) return 'exists';
      throw err;
    }
    return (await this.getUser(u.id)) as DirectoryUser;
  }

  /** Replaces a user's attributes; 'missing' / 'exists' (userName taken by another user). */
  async replaceUser(u: NewDirectoryUser, at: number): Promise<DirectoryUser | 'missing' | 'exists'> {
    let changed: number;
    try {
      changed = await this.db.run(
        'UPDATE directory_users SET user_name = ?, user_name_key = ?, external_id = ?, active = ?, login_key = ?, resource_json = ?, version = version + 1, updated_at = ? WHERE id = ?',
        [u.userName, nameKey(u.userName), u.externalId, u.active ? 1 : 0, u.login === null ? null : nameKey(u.login), JSON.stringify(u.resource), at, u.id],
      );
    } catch (err) {
      if (isUniqueViolation(err)) return 'exists';
      throw err;
    }
    if (changed === 0) return 'missing';
    return (await this.getUser(u.id)) as DirectoryUser;
  }

  /** Deletes a user and takes them out of every group (a versioned membership change per group). */
  async deleteUser(id: string, by: string, at: number, why: string): Promise<{ groups: string[] } | 'missing'> {
    try {
      return await this.db.transaction<{ groups: string[] }>(async (tx) => {
        const member = userMember(id);
        const listing = (await tx.all<Row>('SELECT group_id FROM group_members WHERE member = ?', [member])).map((r) => str(r.group_id));
        const revision = listing.length > 0 ? await this.bump(tx) : 0;
        for (const gid of listing) {
          const g = await tx.get<Row>('SELECT version FROM fleet_groups WHERE id = ?', [gid]);
          const version = num(g?.version ?? 0) + 1;
          await tx.run('DELETE FROM group_members WHERE group_id = ? AND member = ?', [gid, member]);
          await tx.run('UPDATE fleet_groups SET version = ?, updated_by = ?, updated_at = ? WHERE id = ?', [version, by, at, gid]);
          await this.version(tx, revision, gid, version, 'members', { added: [], removed: [member] }, by, at, why);
        }
        if ((await tx.run('DELETE FROM directory_users WHERE id = ?', [id])) === 0) throw new Rollback('missing');
        return { groups: listing };
      });
    } catch (err) {
      if (err instanceof Rollback) return 'missing';
      throw err;
    }
  }

  /** Sets every user's login (after the login mapping changed); returns how many changed. */
  async relogin(loginOf: (u: DirectoryUser) => string | null): Promise<number> {
    return this.db.transaction(async (tx) => {
      let changed = 0;
      for (const r of await tx.all<Row>('SELECT * FROM directory_users')) {
        const u = toUser(r);
        const l = loginOf(u);
        const key = l === null ? null : nameKey(l);
        if (key !== u.login) changed += await tx.run('UPDATE directory_users SET login_key = ? WHERE id = ?', [key, u.id]);
      }
      return changed;
    });
  }

  // ---- memberships (what reaches a device, reports, impact preview)

  /** login (lower-cased) → names of the user groups that person is in, for the given logins. */
  async userGroupsByLogin(logins: string[]): Promise<Map<string, string[]>> {
    const keys = [...new Set(logins.map(nameKey))];
    const out = new Map<string, Set<string>>();
    if (keys.length === 0) return new Map();
    const users = await chunked(keys, (c) => this.db.all<Row>(`SELECT id, login_key FROM directory_users WHERE login_key IN (${placeholders(c.length)})`, c));
    const loginOfMember = new Map<string, string[]>();
    const add = (member: string, login: string): void => {
      const l = loginOfMember.get(member) ?? [];
      l.push(login);
      loginOfMember.set(member, l);
    };
    for (const u of users) add(userMember(str(u.id)), str(u.login_key));
    for (const k of keys) add(`login:${k}`, k);
    const rows = await chunked([...loginOfMember.keys()], (c) =>
      this.db.all<Row>(`SELECT m.member, g.name FROM group_members m JOIN fleet_groups g ON g.id = m.group_id WHERE g.kind = 'user' AND m.member IN (${placeholders(c.length)})`, c),
    );
    for (const r of rows) {
      for (const login of loginOfMember.get(str(r.member)) ?? []) {
        const s = out.get(login) ?? new Set<string>();
        s.add(str(r.name));
        out.set(login, s);
      }
    }
    return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
  }

  /** Device groups that label these devices by hand: device id → group ids. */
  async deviceLabels(deviceIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const r of await this.groupsListing(deviceIds.map(deviceMember))) {
      const d = r.member.slice('device:'.length);
      out.set(d, [...(out.get(d) ?? []), r.groupId]);
    }
    return out;
  }
}
