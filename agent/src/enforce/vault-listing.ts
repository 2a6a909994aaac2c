// The vault as the server may see it: metadata of each quarantined install (what, from where, when,
// under which rule and bundle), never contents or content hashes. Sent with every check-in
// (wire/src/agent-status.ts) so IT sees on the console what the agent holds and can be restored.
import type { VaultEntrySummary } from '../../../wire/src/agent-status.ts';
import { MAX_REPORTED_VAULT } from '../../../wire/src/agent-status.ts';
import type { EnforceState } from './state.ts';
import { listQuarantine } from './vault.ts';

export function vaultListing(state: EnforceState): VaultEntrySummary[] {
  return listQuarantine(state)
    .slice(-MAX_REPORTED_VAULT)
    .map((m) => {
      const files = m.items.flatMap((i) => i.tree);
      return {
        id: m.id,
        time: m.time,
        tool: m.tool,
        tool_name: m.tool_name.slice(0, 200),
        finding: m.finding.slice(0, 600),
        rule: m.decision.rule.slice(0, 128),
        action: m.decision.action,
        bundle_revision: m.bundle_revision.slice(0, 128),
        paths: m.items.slice(0, 32).map((i) => i.original.slice(0, 1024)),
        entries: files.length,
        bytes: files.reduce((n, f) => n + (f.kind === 'file' ? f.size : 0), 0),
      };
    });
}
