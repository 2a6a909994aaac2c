// Where enforcement keeps its state: one folder (the agent's state dir), owned by the agent.
// Layout and modes (least privilege when the agent runs as root and the tray app as the employee):
//   <state>/          0711  the employee may pass through to public/, but not list or read anything else
//                           (every private file is 0600 and every private folder 0700)
//   <state>/public/   0755  what the employee may see: their own notices (and the last report, once the
//   public/*.json     0644  agent keeps one) — the employee's own tool usage, no secrets
import { chmodSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const STATE_DIR_MODE = 0o711;
export const PUBLIC_DIR_MODE = 0o755;
export const PUBLIC_FILE_MODE = 0o644;

export interface EnforceState {
  dir: string;
  outbox: string;
  /** Folder the employee's tray app reads (see the layout above). */
  publicDir: string;
  notices: string;
  /** The last report sent to the server, for the tray's "what is collected about me" page. */
  lastReport: string;
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
    publicDir,
    notices: join(publicDir, 'notices.json'),
    lastReport: join(publicDir, 'last-report.json'),
    vault: join(stateDir, 'vault'),
    journal: join(stateDir, 'journal'),
    configured: join(stateDir, 'configured'),
    watchList: join(stateDir, 'watch.json'),
  };
}

/**
 * Creates (or repairs) the public folder with the modes above, whatever the umask, and moves a
 * notices.json left at the top of the state folder by an earlier agent version into it.
 */
export function preparePublicDir(state: EnforceState): void {
  mkdirSync(state.dir, { recursive: true, mode: 0o700 });
  if ((statSync(state.dir).mode & 0o777) !== STATE_DIR_MODE) chmodSync(state.dir, STATE_DIR_MODE);
  mkdirSync(state.publicDir, { recursive: true, mode: PUBLIC_DIR_MODE });
  if ((statSync(state.publicDir).mode & 0o777) !== PUBLIC_DIR_MODE) chmodSync(state.publicDir, PUBLIC_DIR_MODE);
  const legacy = join(state.dir, 'notices.json');
  if (existsSync(legacy) && !existsSync(state.notices)) {
    chmodSync(legacy, PUBLIC_FILE_MODE);
    renameSync(legacy, state.notices);
  }
}

/** Default state dir: under --root when scanning a test/demo root, else the system location. */
export function defaultStateDir(root: string, os: NodeJS.Platform): string {
  if (os === 'win32') return join(root, 'ProgramData', 'warden', 'agent');
  if (os === 'darwin') return join(root, 'Library', 'Application Support', 'warden', 'agent');
  return join(root, 'var', 'lib', 'warden-agent');
}
