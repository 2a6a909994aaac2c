// The real stages behind the run loop: inventory scan (agent/src/inventory), evaluation of the
// verified bundle in the opa-wasm SDK (agent/src/policy), enforcement (agent/src/enforce) whose
// durable outbox is drained into the upload queue, and the process watch that kills a blocked tool
// started again between cycles. The agent never loads the compiler.
import type { AgentConfig } from '../../../wire/src/config.ts';
import type { Inventory } from '../../../wire/src/inventory.ts';
import { scanInventory, hostOs } from '../inventory/scan.ts';
import { loadPolicyBundle } from '../policy/bundle.ts';
import { PolicyEngine } from '../policy/evaluate.ts';
import { buildPolicyInput } from '../policy/input.ts';
import { enforceState } from '../enforce/state.ts';
import { publishPublicState } from '../enforce/public-state.ts';
import { brandingOf } from '../policy/bundle.ts';
import { ackOutbox, appendEvent, makeEvent, takeOutbox } from '../enforce/outbox.ts';
import { enforceDecisions } from '../enforce/enforce.ts';
import { withBypasses } from '../inventory/bypass.ts';
import { loadManagedSettings, managedSettingsFromBundleData } from '../catalog/managed-settings.ts';
import type { ManagedSettingsData } from '../../../wire/src/managed-settings.ts';
import { ProcessWatch, defaultWatchInterval, loadWatchList, watchKillEvent, type WatchTarget } from '../enforce/watch.ts';
import { vaultListing } from '../enforce/vault-listing.ts';
import type { PublicUser } from '../enforce/public-state.ts';
import { ExceptionDesk, type ExceptionApi } from './exception-desk.ts';
import type { ActiveBundle } from './bundle-cache.ts';
import type { AgentPipeline, PipelineContext } from './sync-agent.ts';

/** Whether the process watch runs on the real machine only (the default), or even on a --root folder (--watch). */
export const watchEnabled = (config: AgentConfig): boolean => !config.dry_run && (config.process_watch ?? !config.root);

export interface PipelineOptions {
  /**
   * 'here' (default): this process runs the process watch between cycles. 'daemon': a cycle child of
   * the daemon (sync/cycle-command.ts): the daemon runs the watch on what watchPlan() says.
   */
  watch?: 'here' | 'daemon';
}

export interface WatchPlan {
  targets: WatchTarget[];
  /** The bundle's poll interval; null: the process source's default. */
  intervalMs: number | null;
}

export async function createPipeline(config: AgentConfig, opts: PipelineOptions = {}): Promise<AgentPipeline & { watchPlan(): WatchPlan | null }> {
  let plan: WatchPlan | null = null;
  let engine: { etag: string; revision: string; engine: PolicyEngine; managed: ManagedSettingsData } | null = null;
  const state = enforceState(config.state_dir);
  const os = config.os ?? hostOs();
  const root = config.root ?? '/';
  const desk = new ExceptionDesk(state);
  let users: PublicUser[] = [];
  let collectError: Error | null = null;
  // Only when scanning the real machine (a demo/test root's processes are not this host's) unless
  // --watch asks for it, and in this process only when no daemon runs it.
  const watch = !watchEnabled(config) || opts.watch === 'daemon'
    ? null
    : new ProcessWatch(loadWatchList(state.watchList), {
        onKill: (k) =>
          appendEvent(
            state.outbox,
            makeEvent(watchKillEvent(k)),
          ),
      });
  watch?.start();

  return {
    // Bypass signals travel with the inventory: the server's previews and reports see them too.
    scan: async () => withBypasses(await scanInventory({ root, os }), { root, os, data: engine?.managed ?? loadManagedSettings() }),
    async decideAndEnforce(bundle: ActiveBundle, inventory: Inventory, ctx: PipelineContext) {
      if (!engine || engine.etag !== bundle.etag || engine.revision !== bundle.revision) {
        // The bundle was verified on download; the policy loader checks the signature again itself.
        const pb = await loadPolicyBundle(bundle.archive, { publicKeyPem: ctx.publicKeyPem });
        // Managed-settings facts travel in the bundle's data like the catalog (never new write locations).
        engine = { etag: bundle.etag, revision: bundle.revision, engine: await PolicyEngine.load(pb), managed: managedSettingsFromBundleData(pb.data).data };
        plan = { targets: plan?.targets ?? [], intervalMs: pb.banList.watch?.interval_ms ?? null };
        if (watch) watch.setInterval(plan.intervalMs ?? defaultWatchInterval(watch.source.kind)); // the bundle sets the poll interval
      }
      const m = ctx.memberships;
      const input = buildPolicyInput(inventory, { id: ctx.deviceId, groups: m?.deviceGroups ?? [], userGroups: m?.userGroups ?? {} }, new Date(), []);
      const decisions = engine.engine.evaluate(input);
      const report = await enforceDecisions(decisions, inventory, { stateDir: config.state_dir, root, os, bundleRevision: bundle.revision, dryRun: config.dry_run, managedSettings: engine.managed });
      watch?.setTargets(report.watch);
      plan = { targets: report.watch, intervalMs: plan?.intervalMs ?? null };
      // What this cycle found and decided, for the employees' trays ("what warden checks"): each
      // employee sees their own part and the machine-wide part, nobody else's.
      users = publishPublicState(state, { inventory, decisions, bundleRevision: bundle.revision, branding: brandingOf(bundle.files), root, os }).users;
      // The employees' exception requests, taken from their inboxes now, go to the server at check-in.
      // Never at the cost of enforcement: a failure here is reported by exchangeExceptions.
      try {
        desk.collect(users);
        collectError = null;
      } catch (e) {
        collectError = e as Error;
      }
      const { events, taken } = takeOutbox(state.outbox);
      return {
        decisions,
        events,
        actions: report.actions.map((a) => ({ finding: a.finding, tool: a.tool, action: a.action, steps: a.steps })),
        ack: () => ackOutbox(taken),
      };
    },
    async exchangeExceptions(api: ExceptionApi) {
      try {
        if (collectError) throw new Error(`exception requests could not be taken from the inboxes: ${collectError.message}`);
        await desk.exchange(api);
      } finally {
        desk.publish(users); // queued or decided: the tray shows where each request is
      }
    },
    vault: () => vaultListing(state),
    watchPlan: () => plan,
    close() {
      watch?.stop();
    },
  };
}
