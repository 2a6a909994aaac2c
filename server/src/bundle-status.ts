// Whether the fleet's bundle is being built: the state of the last build, kept in the database (so
// every node and a restarted node report the same), counted in Prometheus and written to the audit
// log. A bundle that fails to build is never only a log line: the rollout status, the metrics
// warden_bundle_build_failing / warden_bundle_builds_total and an audit entry 'bundle.build_failed'
// all say so, until a build succeeds again.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Repository } from './store/types.ts';

export const BUILD_STATUS_SETTING = 'bundle_build_status';
const MAX_ERROR = 2000;

export interface BuildStatus {
  state: 'ok' | 'failed';
  /** Ban-list revision of the last build attempt. */
  revision: string;
  at: number;
  /** Why the last build failed (null after a success). */
  error: string | null;
  /** Failed builds in a row (0 after a success). */
  failures: number;
  /** Sequence of the last bundle built (null when none was). */
  seq: number | null;
}

export class BundleBuildStatus {
  private readonly builds: Counter<'result'>;

  constructor(
    private readonly store: Repository,
    registry: Registry,
    private readonly now: () => number,
  ) {
    const registers = [registry];
    this.builds = new Counter({ name: 'warden_bundle_builds_total', help: 'Bundle builds by result (ok, failed, refused = a ban change refused because no bundle could be built from it)', labelNames: ['result'], registers });
    const status = (): Promise<BuildStatus | null> => this.get();
    new Gauge({
      name: 'warden_bundle_build_failing',
      help: '1 while the last bundle build failed (agents keep the previous bundle), else 0',
      registers,
      async collect() {
        this.set((await status())?.state === 'failed' ? 1 : 0);
      },
    });
  }

  async get(): Promise<BuildStatus | null> {
    const raw = await this.store.getSetting(BUILD_STATUS_SETTING);
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as BuildStatus;
    } catch {
      return null;
    }
  }

  async succeeded(revision: string, seq: number): Promise<void> {
    this.builds.inc({ result: 'ok' });
    const prev = await this.get();
    await this.store.setSetting(BUILD_STATUS_SETTING, JSON.stringify({ state: 'ok', revision, at: this.now(), error: null, failures: 0, seq } satisfies BuildStatus));
    if (prev?.state === 'failed') {
      await this.store.appendAudit({ at: this.now(), actor: 'system', action: 'bundle.build_recovered', target: `bundle:${revision}`, detail: { seq, failed_builds: prev.failures }, ip: '' });
    }
  }

  /** Records a failed build; the audit log gets one entry per distinct failure (not one per retry). */
  async failed(revision: string, err: unknown, by: string): Promise<string> {
    this.builds.inc({ result: 'failed' });
    const error = describe(err);
    const prev = await this.get();
    const next: BuildStatus = { state: 'failed', revision, at: this.now(), error, failures: (prev?.state === 'failed' ? prev.failures : 0) + 1, seq: prev?.seq ?? null };
    await this.store.setSetting(BUILD_STATUS_SETTING, JSON.stringify(next));
    if (prev?.state !== 'failed' || prev.revision !== revision || prev.error !== error) {
      await this.store.appendAudit({ at: this.now(), actor: by, action: 'bundle.build_failed', target: `bundle:${revision}`, detail: { error, still_serving_seq: next.seq }, ip: '' });
    }
    return error;
  }

  /** A ban change refused because no bundle could be built from it (the change was not stored). */
  refused(): void {
    this.builds.inc({ result: 'refused' });
  }
}

export function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > MAX_ERROR ? `${msg.slice(0, MAX_ERROR)}…` : msg;
}
