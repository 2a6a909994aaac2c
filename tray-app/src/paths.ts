// Where the tray app finds the agent's state: the same folder the agent writes (see
// agent/src/enforce/state.ts), overridable for a non-default agent install.
import { join } from 'node:path';
import { defaultStateDir, enforceState } from '../../agent/src/enforce/state.ts';
import type { TrayServerOptions } from './server.ts';

export function trayPaths(os: NodeJS.Platform, stateDir?: string): TrayServerOptions {
  const dir = stateDir ?? defaultStateDir(os === 'win32' ? 'C:\\' : '/', os);
  return { noticesPath: enforceState(dir).notices, reportPath: join(dir, 'last-report.json') };
}
