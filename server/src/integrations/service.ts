// The server's integrations: the webhook store, the SSRF guard, the dispatcher, and a local signal
// of "events were appended" (from any node: PostgreSQL NOTIFY) that the stream's followers wait on.
import { EventEmitter } from 'node:events';
import type { Repository } from '../store/types.ts';
import type { SqlDriver } from '../store/sql-driver.ts';
import { EVENTS_CHANNEL } from './event-log.ts';
import { TargetGuard } from './target.ts';
import { WebhookDispatcher, type RetryPolicy } from './dispatcher.ts';
import { WebhookStore } from './webhook-store.ts';

export interface IntegrationOptions {
  /** Internal targets webhooks may reach (CIDRs, addresses, host names); default none. */
  allow?: string[];
  retry?: Partial<RetryPolicy>;
  pollMs?: number;
  timeoutMs?: number;
  /** false: this node delivers no webhooks (another node does); default true. */
  deliver?: boolean;
  /** This node's lasting id (see DispatcherOptions.nodeId). */
  nodeId?: string;
}

export class Integrations {
  readonly webhooks: WebhookStore;
  readonly guard: TargetGuard;
  readonly dispatcher: WebhookDispatcher | null;
  private readonly bus = new EventEmitter();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(private readonly repo: Repository, driver: SqlDriver, opts: IntegrationOptions, now: () => number, log?: { warn: (obj: object, msg: string) => void }) {
    this.bus.setMaxListeners(0);
    this.webhooks = new WebhookStore(driver);
    this.guard = new TargetGuard({ allow: opts.allow ?? [] });
    this.dispatcher = opts.deliver === false ? null : new WebhookDispatcher(this.webhooks, (fn) => this.onAppend(fn), {
      guard: this.guard, now, ...(opts.retry ? { retry: opts.retry } : {}), ...(opts.pollMs ? { pollMs: opts.pollMs } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.nodeId ? { nodeId: opts.nodeId } : {}), ...(log ? { log } : {}),
    });
  }

  async start(): Promise<void> {
    this.unlisten = await this.repo.listen(EVENTS_CHANNEL, () => this.bus.emit('append'), () => this.bus.emit('append'));
    await this.dispatcher?.start();
  }

  async stop(): Promise<void> {
    await this.dispatcher?.stop();
    await this.unlisten?.();
  }

  /** Calls fn whenever events may have been appended; returns the unsubscribe. */
  onAppend(fn: () => void): () => void {
    this.bus.on('append', fn);
    return () => this.bus.off('append', fn);
  }

  /** Resolves when events may have been appended, or after ms. */
  waitForAppend(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const off = this.onAppend(done);
      signal?.addEventListener('abort', done);
    });
  }
}
