// Where the tray app finds the agent's state: its own employee's folder and the machine-wide folder
// under the agent's public state (agent/src/enforce/state.ts — the only parts the employee can read),
// overridable for a non-default agent install; and where the tray keeps its own state: in the
// employee's home.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { defaultStateDir, enforceState, userPublicDir } from '../../agent/src/enforce/state.ts';

export interface TrayPaths {
  /** This employee's folder: public/users/<uid> (their notices, report, exception requests). */
  userDir: string;
  /** Machine-wide notices, report and the company branding: public/machine. */
  machineDir: string;
  /** The employee's own folder for the tray's state (dismissed and notified notices, silenced tools). */
  trayStateDir: string;
}

/** The employee's own folder for the tray's state, per OS convention. */
export function trayStateDir(os: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv = process.env): string {
  if (os === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'warden', 'tray');
  if (os === 'darwin') return join(home, 'Library', 'Application Support', 'warden', 'tray');
  return join(env.XDG_STATE_HOME ?? join(home, '.local', 'state'), 'warden-tray');
}

/** The key of this process's user folder: the uid (the user name on Windows, which has no uids). */
export function currentUserKey(): string {
  const uid = process.getuid?.();
  return uid === undefined ? userInfo().username : String(uid);
}

export function trayPaths(os: NodeJS.Platform, stateDir?: string, home: string = homedir(), env: NodeJS.ProcessEnv = process.env): TrayPaths {
  const state = enforceState(stateDir ?? defaultStateDir(os === 'win32' ? 'C:\\' : '/', os));
  return { userDir: userPublicDir(state, currentUserKey()), machineDir: state.machineDir, trayStateDir: trayStateDir(os, home, env) };
}
