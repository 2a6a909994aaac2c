// The employees' view of a cycle: each employee gets the findings, decisions and notices about their
// own installs in files only they can read; everyone gets the machine-wide ones (installs no user
// owns, with no user's name attached). Layout and modes: state.ts.
//
// Who an employee is comes from kernel facts, not names: the owner uid of their home folder (lstat,
// never through a symlink) under the scan root. A home owned by root gives root's folder; homes that
// share an owner share a folder (that owner may read both).
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Decision } from '../../../wire/src/decision.ts';
import type { Finding, Inventory, Skipped } from '../../../wire/src/inventory.ts';
import type { Branding } from '../../../wire/src/banlist.ts';
import { PUBLIC_REPORT_SCHEMA, type PublicReport } from '../../../wire/src/public-state.ts';
import { findingIds } from '../policy/input.ts';
import { writeFileDurable, type FileOwner } from './durable.ts';
import { readNotices, type Notice } from './notices.ts';
import { MACHINE_FILE_MODE, PUBLIC_FILES, USER_DIR_MODE, USER_FILE_MODE, preparePublicDir, userPublicDir, type EnforceState } from './state.ts';
import type { Os } from './configure.ts';

/** One employee as the agent proved them: a home folder's owner. */
export interface PublicUser {
  /** Folder name under public/users/: the uid (the user name on Windows hosts, which have no uids). */
  key: string;
  uid: number;
  gid: number;
  /** Home folder names (= finding users) owned by this uid. */
  names: string[];
  /** Their home folders, to tell which skipped paths are theirs. */
  homes: string[];
}

export interface PublishInput {
  inventory: Inventory;
  decisions: Decision[];
  bundleRevision: string;
  branding?: Branding | null;
  root: string;
  os: Os;
}

export interface PublishResult {
  users: PublicUser[];
  /** Users whose files could not be written, with why (e.g. the agent is not root). */
  skipped: { user: string; reason: string }[];
}

export function homeOf(root: string, os: Os, user: string): string {
  if (os === 'linux') return user === 'root' ? join(root, 'root') : join(root, 'home', user);
  return join(root, 'Users', user);
}

/** Groups the inventory's users by the uid owning their home folder. */
export function resolvePublicUsers(root: string, os: Os, names: string[]): { users: PublicUser[]; skipped: PublishResult['skipped'] } {
  const byKey = new Map<string, PublicUser>();
  const skipped: PublishResult['skipped'] = [];
  const me = process.getuid?.();
  for (const name of [...new Set(names)].sort()) {
    if (name.includes('/') || name.includes('\\') || name === '.' || name === '..') continue;
    const home = homeOf(root, os, name);
    let st;
    try {
      st = lstatSync(home);
    } catch (e) {
      skipped.push({ user: name, reason: `home ${home}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}` });
      continue;
    }
    if (!st.isDirectory()) {
      skipped.push({ user: name, reason: `home ${home} is not a folder (a symlink is not followed)` });
      continue;
    }
    // Windows has no uids: the folder is keyed by name (its ACL is not narrowed: see SECURITY.md).
    const key = me === undefined ? name : String(st.uid);
    if (me !== undefined && me !== 0 && st.uid !== me) {
      skipped.push({ user: name, reason: `the agent (uid ${me}) cannot give files to uid ${st.uid}; run it as root` });
      continue;
    }
    const u = byKey.get(key) ?? { key, uid: st.uid, gid: st.gid, names: [], homes: [] };
    u.names.push(name);
    u.homes.push(home);
    byKey.set(key, u);
  }
  return { users: [...byKey.values()], skipped };
}

const under = (p: string, dirs: string[]): boolean => dirs.some((d) => p === d || p.startsWith(d.endsWith(sep) ? d : d + sep));

interface Part {
  findings: Finding[];
  decisions: Decision[];
  skipped: Skipped[];
  notices: Notice[];
}

function part(input: PublishInput, notices: Notice[], keep: (user: string | null) => boolean, skippedHere: (s: Skipped) => boolean): Part {
  const ids = findingIds(input.inventory);
  const findings: Finding[] = [];
  const mine = new Set<string>();
  input.inventory.findings.forEach((f, i) => {
    if (!keep(f.user)) return;
    mine.add(ids[i] as string);
    // A machine-wide tool's processes may be anyone's: nobody's name goes with them.
    findings.push(f.user === null ? { ...f, running: f.running.map(({ user: _user, ...p }) => p) } : f);
  });
  return {
    findings,
    decisions: input.decisions.filter((d) => mine.has(d.finding)),
    skipped: input.inventory.skipped.filter(skippedHere),
    notices: notices.filter((n) => keep(n.user ?? null)),
  };
}

function report(input: PublishInput, scope: PublicReport['scope'], users: string[], p: Part): PublicReport {
  const { users: _all, ...host } = input.inventory.host;
  return { schema: PUBLIC_REPORT_SCHEMA, scope, users, scanned_at: input.inventory.scanned_at, bundle_revision: input.bundleRevision, host, findings: p.findings, decisions: p.decisions, skipped: p.skipped };
}

const json = (v: unknown): string => `${JSON.stringify(v)}\n`;

/** Writes one of an employee's files: owned by them, readable by them alone. */
export function writeUserFile(state: EnforceState, user: PublicUser, name: string, content: unknown): void {
  const owner: FileOwner | undefined = process.getuid?.() === 0 ? { uid: user.uid, gid: user.gid } : undefined;
  writeFileDurable(join(userPublicDir(state, user.key), name), json(content), USER_FILE_MODE, owner);
}

/**
 * Creates (or repairs) an employee's folder. It stays the agent's (mode 0711): the employee can open
 * their files in it but not add, rename or link names, so nothing they do redirects the agent's writes.
 */
export function prepareUserDir(state: EnforceState, user: PublicUser): string {
  const dir = userPublicDir(state, user.key);
  let st = null;
  try {
    st = lstatSync(dir);
  } catch {
    // not there yet
  }
  if (st && (!st.isDirectory() || st.uid !== process.getuid?.())) {
    rmSync(dir, { recursive: true, force: true }); // not a folder the agent made: never write into it
    st = null;
  }
  if (!st) mkdirSync(dir, { mode: 0o700 });
  if ((statSync(dir).mode & 0o777) !== USER_DIR_MODE) chmodSync(dir, USER_DIR_MODE);
  return dir;
}

/**
 * Writes the public state of one cycle: machine-wide notices, report and branding; each employee's
 * notices and report. Folders of users no longer on the machine are removed.
 */
export function publishPublicState(state: EnforceState, input: PublishInput): PublishResult {
  preparePublicDir(state);
  const notices = readNotices(state.notices);
  const { users, skipped } = resolvePublicUsers(input.root, input.os, input.inventory.host.users);
  const allHomes = users.flatMap((u) => u.homes);

  const machine = part(input, notices, (user) => user === null, (s) => !under(s.path, allHomes));
  writeFileDurable(join(state.machineDir, PUBLIC_FILES.notices), json({ notices: machine.notices }), MACHINE_FILE_MODE);
  writeFileDurable(join(state.machineDir, PUBLIC_FILES.report), json(report(input, 'machine', [], machine)), MACHINE_FILE_MODE);
  const brandingPath = join(state.machineDir, PUBLIC_FILES.branding);
  if (input.branding) writeFileDurable(brandingPath, json(input.branding), MACHINE_FILE_MODE);
  else rmSync(brandingPath, { force: true });

  for (const u of users) {
    const names = new Set(u.names);
    const p = part(input, notices, (user) => user !== null && names.has(user), (s) => under(s.path, u.homes));
    prepareUserDir(state, u);
    writeUserFile(state, u, PUBLIC_FILES.notices, { notices: p.notices });
    writeUserFile(state, u, PUBLIC_FILES.report, report(input, 'user', u.names, p));
  }
  const current = new Set(users.map((u) => u.key));
  for (const key of readdirSync(state.usersDir)) if (!current.has(key)) rmSync(join(state.usersDir, key), { recursive: true, force: true });
  return { users, skipped };
}
