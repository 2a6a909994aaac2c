// Where the tray app finds the agent's state: the public folder of the agent's state dir (see
// agent/src/enforce/state.ts — the only part of it the employee can read), overridable for a
// non-default agent install; and where the tray keeps its own state: in the employee's home.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultStateDir, enforceState } from '../../agent/src/enforce/state.ts';
import type { TrayServerOptions } from './server.ts';

/** The employee's own folder for the tray's state (dismissed notices), per OS convention. */
export function trayStateDir(os: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv = process.env): string {
  if (os === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'warden', 'tray');
  if (os === 'darwin') return join(home, 'Library', 'Application Support', 'warden', 'tray');
  return join(env.XDG_STATE_HOME ?? join(home, '.local', 'state'), 'warden-tray');
}

export function trayPaths(os: NodeJS.Platform, stateDir?: string, home: string = homedir()): TrayServerOptions {
  const state = enforceState(stateDir ?? defaultStateDir(os === 'win32' ? 'C:\\' : '/', os));
  return { noticesPath: state.notices, reportPath: state.lastReport, readStatePath: join(trayStateDir(os, home), 'read-notices.json') };
}
