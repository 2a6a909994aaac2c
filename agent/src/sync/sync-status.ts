// The agent's standing with its server, for people: logged when it changes and written machine-wide
// for the trays (public/machine/sync-status.json, 0644: no user's data in it). "credential refused"
// and "server did not prove the pinned key" are shown here while enforcement goes on.
import { join } from 'node:path';
import { AGENT_SYNC_STATUS_SCHEMA, type AgentSyncStatus } from '../../../wire/src/public-state.ts';
import { MACHINE_FILE_MODE, PUBLIC_FILES, enforceState, preparePublicDir } from '../enforce/state.ts';
import { writeFileAtomic } from './state-files.ts';

export type SyncState = AgentSyncStatus['state'];

export class SyncStatusFile {
  private last: AgentSyncStatus | null = null;

  constructor(private readonly stateDir: string) {}

  current(): AgentSyncStatus | null {
    return this.last;
  }

  /** Records the state; writes the file only when something in it changed. Returns true on a change of state. */
  set(state: SyncState, message: string, bundle: { revision: string | null; seq: number; key: string | null }): boolean {
    const prev = this.last;
    const next: AgentSyncStatus = {
      schema: AGENT_SYNC_STATUS_SCHEMA,
      state,
      message: message.slice(0, 1000),
      since: prev && prev.state === state ? prev.since : new Date().toISOString(),
      bundle_revision: bundle.revision,
      bundle_seq: bundle.seq,
      bundle_key: bundle.key,
    };
    if (prev && JSON.stringify(prev) === JSON.stringify(next)) return false;
    this.last = next;
    try {
      const st = enforceState(this.stateDir);
      preparePublicDir(st);
      writeFileAtomic(join(st.machineDir, PUBLIC_FILES.syncStatus), `${JSON.stringify(next)}\n`, MACHINE_FILE_MODE);
    } catch {
      // The status is informative; failing to write it must not stop a cycle (the log still has it).
    }
    return !prev || prev.state !== state;
  }
}
