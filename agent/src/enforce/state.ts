// Where enforcement keeps its state: one folder (the agent's state dir), owned by the agent, 0700.
import { join } from 'node:path';

export interface EnforceState {
  dir: string;
  outbox: string;
  notices: string;
  vault: string;
  journal: string;
  configured: string;
  watchList: string;
}

export function enforceState(stateDir: string): EnforceState {
  return {
    dir: stateDir,
    outbox: join(stateDir, 'outbox', 'events.jsonl'),
    notices: join(stateDir, 'notices.json'),
    vault: join(stateDir, 'vault'),
    journal: join(stateDir, 'journal'),
    configured: join(stateDir, 'configured'),
    watchList: join(stateDir, 'watch.json'),
  };
}

/** Default state dir: under --root when scanning a test/demo root, else the system location. */
export function defaultStateDir(root: string, os: NodeJS.Platform): string {
  if (os === 'win32') return join(root, 'ProgramData', 'warden', 'agent');
  if (os === 'darwin') return join(root, 'Library', 'Application Support', 'warden', 'agent');
  return join(root, 'var', 'lib', 'warden-agent');
}
