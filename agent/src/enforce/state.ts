// Where enforcement keeps its state: one folder (the agent's state dir), owned by the agent.
// Layout and modes (least privilege when the agent runs as root and each employee's tray as that
// employee — every employee sees everything about themselves and nothing about anyone else):
//   <state>/                         0711  pass-through only: every private file is 0600, folder 0700
//   <state>/notices.json             0600  every notice (the agent's own record; projected below)
//   <state>/public/                  0711  pass-through, not listable
//   <state>/public/machine/          0755  machine-wide only (no user's name, path or process):
//              *.json                0644    notices.json, report.json, branding.json, sync-status.json
//   <state>/public/users/            0711  pass-through, not listable: no one learns who else is here
//   <state>/public/users/<uid>/      0711  root's folder, so nobody but the agent creates names in it
//              *.json                0400  owned by <uid>: that employee's notices, report, exceptions
//   <state>/public/users/<uid>/requests/  0700 owned by <uid>: the employee's exception requests
//                                          (the agent only reads files there that <uid> owns)
// (public-state.ts writes the public part from the cycle's inventory, decisions and notices.)
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const STATE_DIR_MODE = 0o711;
/** public/ and public/users/: pass-through for the employees' trays, not listable. */
export const PUBLIC_DIR_MODE = 0o711;
export const MACHINE_DIR_MODE = 0o755;
export const MACHINE_FILE_MODE = 0o644;
export const USER_DIR_MODE = 0o711;
/** A user's files: owned by that user, readable by them alone. */
export const USER_FILE_MODE = 0o400;
export const INBOX_DIR_MODE = 0o700;

export interface EnforceState {
  dir: string;
  outbox: string;
  /** The agent's own notice record (private); the employees see their projection under public/. */
  notices: string;
  /** Folder the employees' trays read (see the layout above). */
  publicDir: string;
  machineDir: string;
  usersDir: string;
  vault: string;
  journal: string;
  configured: string;
  watchList: string;
}

export function enforceState(stateDir: string): EnforceState {
  const publicDir = join(stateDir, 'public');
  return {
    dir: stateDir,
    outbox: join(stateDir, 'outbox', 'events.jsonl'),
    notices: join(stateDir, 'notices.json'),
    publicDir,
    machineDir: join(publicDir, 'machine'),
    usersDir: join(publicDir, 'users'),
    vault: join(stateDir, 'vault'),
    journal: join(stateDir, 'journal'),
    configured: join(stateDir, 'configured'),
    watchList: join(stateDir, 'watch.json'),
  };
}

/** File names inside public/machine/ and public/users/<uid>/ (the tray reads the same names). */
export const PUBLIC_FILES = {
  notices: 'notices.json',
  report: 'report.json',
  exceptions: 'exceptions.json',
  branding: 'branding.json',
  requests: 'requests',
  /** machine/ only: how the agent stands with its server (wire/src/public-state.ts AgentSyncStatus). */
  syncStatus: 'sync-status.json',
} as const;

/** The folder of one employee (by uid; by user name on Windows, where there are no uids). */
export function userPublicDir(state: EnforceState, key: string): string {
  return join(state.usersDir, key);
}

function ensureDir(path: string, mode: number): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
}

/**
 * Creates (or repairs) the state and public folders with the modes above, whatever the umask, and
 * takes back what earlier agent versions left readable by every local user: public/notices.json
 * becomes the private notice record, public/last-report.json (every user's tools and paths) goes.
 */
export function preparePublicDir(state: EnforceState): void {
  ensureDir(state.dir, STATE_DIR_MODE);
  ensureDir(state.publicDir, PUBLIC_DIR_MODE);
  ensureDir(state.machineDir, MACHINE_DIR_MODE);
  ensureDir(state.usersDir, PUBLIC_DIR_MODE);
  const oldNotices = join(state.publicDir, 'notices.json');
  if (existsSync(oldNotices)) {
    if (existsSync(state.notices)) rmSync(oldNotices, { force: true });
    else {
      chmodSync(oldNotices, 0o600);
      renameSync(oldNotices, state.notices);
    }
  }
  rmSync(join(state.publicDir, 'last-report.json'), { force: true });
}

/** Default state dir: under --root when scanning a test/demo root, else the system location. */
export function defaultStateDir(root: string, os: NodeJS.Platform): string {
  if (os === 'win32') return join(root, 'ProgramData', 'warden', 'agent');
  if (os === 'darwin') return join(root, 'Library', 'Application Support', 'warden', 'agent');
  return join(root, 'var', 'lib', 'warden-agent');
}
