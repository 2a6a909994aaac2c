// Wires signed bundles and push into a built server (server/src/app.ts):
//   const app = await buildServer({ store });
//   const dist = await installBundleDistribution(app, { dataDir, compile });
// It loads (or creates, 0600) the signing key in the data folder, registers the bundle and push
// routes, and rebuilds the bundle whenever the ban list changes; at start it publishes one when the
// stored bundle does not match the current ban list (first start, or a change made while down).
import type { FastifyInstance } from 'fastify';
import { loadOrCreateSigningKey, type SigningKey } from '../../wire/src/bundle-signing.ts';
import { BundleService, type CompileBundle, type SignedBundle } from './bundle-builder.ts';
import { bundleRoutes } from './routes/bundles.ts';
import { pushRoutes, PushHub } from './routes/push.ts';
import { membershipRoutes } from './routes/memberships.ts';
import type { SqlDriver } from './store/sql-driver.ts';

export interface BundleDistributionOptions {
  /** Folder holding bundle-signing.key (created 0600 on first start). */
  dataDir?: string;
  /** Or a key given directly (tests). */
  signingKey?: SigningKey;
  compile: CompileBundle;
  /** Defaults to the store's own driver (SqlRepository.driver). */
  driver?: SqlDriver;
  jitterPerAgentMs?: number;
  maxJitterMs?: number;
  maxLongPollSeconds?: number;
  /** Called when building a bundle after a ban change fails (the previous bundle stays served). */
  onError?: (err: Error) => void;
}

export interface BundleDistribution {
  bundles: BundleService;
  hub: PushHub;
  /** Builds a bundle from the current ban list now (start-up, tests). */
  publishCurrent(): Promise<SignedBundle>;
}

export async function installBundleDistribution(app: FastifyInstance, opts: BundleDistributionOptions): Promise<BundleDistribution> {
  const key = opts.signingKey ?? (opts.dataDir ? loadOrCreateSigningKey(opts.dataDir) : null);
  if (!key) throw new Error('installBundleDistribution needs dataDir (for the signing key) or signingKey');
  const driver = opts.driver ?? (app.warden.store as { driver?: SqlDriver }).driver;
  if (!driver) throw new Error('installBundleDistribution needs the SQL driver of the store');
  const bundles = new BundleService(driver, key, opts.compile);
  await bundles.start();
  const hub = new PushHub();
  const authenticateDevice = app.warden.authenticateDevice;
  await app.register(bundleRoutes, { bundles, authenticateDevice, maxWaitSeconds: opts.maxLongPollSeconds ?? 60 });
  // Group memberships are signed with the same key as bundles (the agent pins one key).
  await app.register(membershipRoutes, { key, authenticateDevice });
  await app.register(pushRoutes, {
    bundles,
    authenticateDevice,
    hub,
    ...(opts.jitterPerAgentMs !== undefined ? { jitterPerAgentMs: opts.jitterPerAgentMs } : {}),
    ...(opts.maxJitterMs !== undefined ? { maxJitterMs: opts.maxJitterMs } : {}),
  });

  const publishCurrent = async (): Promise<SignedBundle> => {
    const snap = await app.warden.banlist.snapshot();
    return bundles.publish({ source: snap.revision, data: snap.list as unknown as Record<string, unknown> });
  };
  const onError = opts.onError ?? ((err: Error) => app.log.error({ err }, 'bundle build failed; still serving the previous bundle'));
  const onChange = ({ snapshot }: { snapshot: { revision: string; list: unknown } }): void => {
    bundles.publish({ source: snapshot.revision, data: snapshot.list as Record<string, unknown> }).catch((e: unknown) => onError(e as Error));
  };
  app.warden.banlist.on('change', onChange);
  app.warden.bundleStatus = () => {
    const b = bundles.current();
    return b ? { revision: b.revision, builtAt: b.createdAt, connected: hub.connected } : null;
  };
  app.addHook('onClose', async () => {
    app.warden.banlist.off('change', onChange);
    await bundles.stop();
  });

  // Serve a bundle that matches the ban list from the first request on.
  const snap = await app.warden.banlist.snapshot();
  const cur = bundles.current();
  if (!cur || cur.revision !== snap.revision) {
    await publishCurrent().catch((e: unknown) => onError(e as Error));
  }
  return { bundles, hub, publishCurrent };
}
