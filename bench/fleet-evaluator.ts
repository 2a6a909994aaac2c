// Worker thread of bench/fleet.ts: what a sampled agent does with a downloaded bundle — its own
// signature and file-hash check, policy.wasm loaded in the opa-wasm SDK (the agent's PolicyEngine),
// an inventory with Claude Code and Cursor evaluated. It runs here, off the simulated fleet's event
// loop: on a real fleet each agent has its own machine, and a wasm compile on the generator's one
// thread stalled every other simulated agent behind it (the rollout's first agent applied only after
// the sample had compiled).
import { parentPort } from 'node:worker_threads';
import type { Inventory } from '../wire/src/inventory.ts';
import { loadPolicyBundle } from '../agent/src/policy/bundle.ts';
import { PolicyEngine } from '../agent/src/policy/evaluate.ts';
import { buildPolicyInput } from '../agent/src/policy/input.ts';

export interface EvaluateRequest {
  id: number;
  archive: Uint8Array;
  publicKey: string;
  deviceId: string;
}
export type EvaluateReply = { id: number; revision: string; cursor: string | undefined } | { id: number; error: string };

// What the sampled agents evaluate: Claude Code and Cursor installed for one user.
const SAMPLE_INVENTORY: Inventory = {
  schema_version: 1, scanned_at: new Date().toISOString(), duration_ms: 1, root: '/', catalog_version: 'bench',
  host: { hostname: 'sim', os: { platform: 'linux', distro: 'debian', release: '12', arch: 'x64' }, serial: null, users: ['alice'] },
  findings: [['claude-code', 'Claude Code', 'Anthropic'], ['cursor', 'Cursor', 'Anysphere']].map(([tool_id, name, vendor]) => ({
    tool_id: tool_id!, name: name!, vendor: vendor!, vendor_country: 'US', category: 'coding-agent', version: '1.2.0', channel: 'npm' as const, user: 'alice',
    paths: [`/home/alice/.npm-global/lib/node_modules/${tool_id}`], evidence: [], confidence: 'high', running: [],
  })),
  skipped: [],
};

parentPort?.on('message', (m: EvaluateRequest) => {
  void (async (): Promise<EvaluateReply> => {
    try {
      const pb = await loadPolicyBundle(Buffer.from(m.archive), { publicKeyPem: m.publicKey });
      const engine = await PolicyEngine.load(pb);
      const input = buildPolicyInput(SAMPLE_INVENTORY, { id: m.deviceId, groups: [], userGroups: {} }, new Date(), []);
      return { id: m.id, revision: pb.revision, cursor: engine.evaluate(input).find((d) => d.tool === 'cursor')?.action };
    } catch (e) {
      return { id: m.id, error: (e as Error).message };
    }
  })().then((r) => parentPort?.postMessage(r));
});
