// The real stages behind the run loop: inventory scan (agent/src/inventory), policy evaluation of the
// verified bundle in the opa-wasm SDK (agent/src/policy), enforcement (agent/src/enforce), whose
// durable outbox is drained into the upload queue. The agent never loads the compiler.
import type { AgentConfig } from '../../../wire/src/config.ts';
import type { Inventory } from '../../../wire/src/inventory.ts';
import type { Decision } from '../../../wire/src/decision.ts';
import type { EnforcementEvent } from '../../../wire/src/event.ts';
import { scanInventory } from '../inventory/scan.ts';
import { loadPolicyBundle } from '../policy/bundle.ts';
import { PolicyEngine } from '../policy/evaluate.ts';
import { buildPolicyInput } from '../policy/input.ts';
import { enforceState } from '../enforce/state.ts';
import { ackOutbox, takeOutbox } from '../enforce/outbox.ts';
import type { ActiveBundle } from './bundle-cache.ts';
import type { AgentPipeline, PipelineContext } from './sync-agent.ts';

/** Carries out decisions; events go to the enforcement outbox (drained after). */
export type Enforcer = (decisions: Decision[], inventory: Inventory, bundle: { revision: string }, config: AgentConfig) => Promise<void>;

export async function createPipeline(config: AgentConfig, enforcer?: Enforcer): Promise<AgentPipeline> {
  let engine: { etag: string; engine: PolicyEngine } | null = null;
  const outbox = enforceState(config.state_dir).outbox;
  return {
    scan: () =>
      scanInventory({
        ...(config.root ? { root: config.root } : {}),
        ...(config.os ? { os: config.os } : {}),
      }),
    async decideAndEnforce(bundle: ActiveBundle, inventory: Inventory, ctx: PipelineContext) {
      if (!engine || engine.etag !== bundle.etag || engine.engine.revision !== bundle.revision) {
        const pb = await loadPolicyBundle(bundle.archive, { publicKeyPem: ctx.publicKeyPem });
        engine = { etag: bundle.etag, engine: await PolicyEngine.load(pb) };
      }
      const input = buildPolicyInput(inventory, { id: ctx.deviceId, groups: [], userGroups: {} }, new Date(), []);
      const decisions = engine.engine.evaluate(input);
      if (enforcer && !config.dry_run) await enforcer(decisions, inventory, { revision: bundle.revision }, config);
      const { events, taken } = takeOutbox(outbox);
      return { decisions, events: events as EnforcementEvent[], ack: () => ackOutbox(taken) };
    },
  };
}
