// Delivers the integration event log to webhooks: per webhook strictly in order, one signed POST per
// event, the cursor moved only after a 2xx — so a crash between the receiver's answer and the cursor
// update re-sends that event with the same webhook-id (at least once; receivers dedupe on the id).
// A failure backs off exponentially (base doubling to max, with jitter) and retries the same event;
// after maxAttempts it goes to the dead letters and the webhook moves on. One node at a time delivers
// a webhook (a lease in the database), woken by the append notification or a poll.
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { IntegrationEvent } from './event-log.ts';
import { formatEvent } from './format.ts';
import { signedHeaders } from './sign.ts';
import { TargetRefused, type TargetGuard } from './target.ts';
import type { Webhook, WebhookStore } from './webhook-store.ts';

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** Attempts of one event before it is dead-lettered (default 30: about 2 h with the defaults). */
  maxAttempts: number;
}
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 5 * 60_000, maxAttempts: 30 };

export interface DispatcherOptions {
  guard: TargetGuard;
  retry?: Partial<RetryPolicy>;
  /** Fallback poll for due webhooks (default 1 s); appends also wake the dispatcher at once. */
  pollMs?: number;
  timeoutMs?: number;
  /** This node's lasting id (warden server start keeps it in the data folder): a restarted node takes
   * its webhooks back at once instead of waiting for its old leases to run out. */
  nodeId?: string;
  now?: () => number;
  log?: { warn: (obj: object, msg: string) => void };
}

export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  ms: number;
}

// A node delivering a webhook holds it this long, renewed as it goes; a node that died frees it when it
// runs out (PostgreSQL, several nodes). The embedded database has one server, which frees all at start.
const LEASE_MS = 15_000;
const RENEW_MS = 5_000;
const BATCH = 100;

export class WebhookDispatcher {
  readonly owner: string;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly active = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly store: WebhookStore,
    /** Called whenever events may have been appended (any node). */
    private readonly subscribe: (fn: () => void) => () => void,
    private readonly opts: DispatcherOptions,
  ) {
    this.owner = opts.nodeId ?? randomUUID();
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.now = opts.now ?? Date.now;
    const lookup = opts.guard.lookup();
    this.agents = { http: new http.Agent({ keepAlive: true, maxSockets: 4, lookup }), https: new https.Agent({ keepAlive: true, maxSockets: 4, lookup }) };
  }

  async start(): Promise<void> {
    if (this.store.db.dialect === 'sqlite') await this.store.releaseAll();
    this.unsubscribe = this.subscribe(() => this.kick());
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 1000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await Promise.allSettled([...this.active.values()]);
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Looks for due webhooks soon (coalesced). */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pass().catch((err: unknown) => this.opts.log?.warn({ err }, 'webhook dispatch pass failed'));
    });
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    for (const w of await this.store.due(this.now(), this.owner)) {
      if (this.active.has(w.id)) {
        this.dirty.add(w.id);
        continue;
      }
      const run = this.run(w)
        .catch((err: unknown) => this.opts.log?.warn({ err, webhook: w.name }, 'webhook delivery failed'))
        .finally(() => {
          this.active.delete(w.id);
          if (this.dirty.delete(w.id)) this.kick();
        });
      this.active.set(w.id, run);
    }
  }

  /** Delivers this webhook's backlog in order until it is empty or an attempt fails. */
  private async run(initial: Webhook): Promise<void> {
    let w = initial;
    if (!(await this.store.lease(w.id, this.owner, this.now(), LEASE_MS))) return;
    let leased = this.now();
    try {
      for (;;) {
        const events = await this.store.pending(w, BATCH);
        if (events.length === 0 || this.stopped) return;
        for (const e of events) {
          if (this.stopped) return;
          const r = await this.send(w, e);
          const at = this.now();
          if (r.ok) {
            if (!(await this.store.delivered(w.id, this.owner, w.cursor, e.seq, r.status ?? 0, at))) return; // lease lost or settings changed
            w = { ...w, cursor: e.seq, attempts: 0 };
            if (at - leased > RENEW_MS) {
              if (!(await this.store.lease(w.id, this.owner, at, LEASE_MS))) return;
              leased = at;
            }
            continue;
          }
          const dead = w.attempts + 1 >= this.retry.maxAttempts;
          const delay = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** w.attempts) * (0.8 + Math.random() * 0.4);
          await this.store.failed(w, this.owner, e, r.status, r.error ?? 'failed', at, at + Math.round(delay), dead);
          this.opts.log?.warn({ webhook: w.name, target: originOf(w.url), status: r.status, error: r.error, attempt: w.attempts + 1, dead }, 'webhook delivery failed');
          if (dead) {
            w = { ...w, cursor: e.seq, attempts: 0 };
            continue;
          }
          return;
        }
        if (!(await this.store.lease(w.id, this.owner, this.now(), LEASE_MS))) return;
        leased = this.now();
        const fresh = await this.store.get(w.id);
        if (!fresh?.enabled) return;
        w = fresh;
      }
    } finally {
      await this.store.release(w.id, this.owner).catch(() => undefined);
    }
  }

  /** One signed POST of one event; never throws. */
  async send(w: Webhook, e: IntegrationEvent): Promise<SendResult> {
    const started = performance.now();
    const done = (ok: boolean, status: number | null, error: string | null): SendResult => ({ ok, status, error, ms: performance.now() - started });
    let u: URL;
    try {
      u = new URL(w.url);
    } catch {
      return done(false, null, 'invalid URL');
    }
    // A literal address is connected to without a lookup: check it here.
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (ipaddr.isValid(host)) {
      const problem = this.opts.guard.addressProblem(host, host);
      if (problem) return done(false, null, problem);
    }
    const { body, contentType } = formatEvent(e, w.format);
    const now = this.now();
    const secrets = [w.secret, ...(w.previousSecret && w.previousUntil !== null && w.previousUntil > now ? [w.previousSecret] : [])];
    const headers = {
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'warden-webhooks/1',
      'x-warden-event-type': e.type,
      ...signedHeaders(secrets, e.id, Math.floor(now / 1000), body),
    };
    const isHttps = u.protocol === 'https:';
    return new Promise<SendResult>((resolve) => {
      const req = (isHttps ? https : http).request(u, { method: 'POST', headers, agent: isHttps ? this.agents.https : this.agents.http, timeout: this.opts.timeoutMs ?? 10_000 }, (res) => {
        res.resume(); // the answer's body is not read
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve(done(status >= 200 && status < 300, status, status >= 200 && status < 300 ? null : `HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`));
        });
        res.on('error', (err) => resolve(done(false, res.statusCode ?? null, err.message)));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${(this.opts.timeoutMs ?? 10_000) / 1000} s`)));
      req.on('error', (err: Error & { code?: string }) => resolve(done(false, null, err instanceof TargetRefused ? err.message : `${err.code ?? 'error'}: ${err.message}`)));
      req.end(body);
    });
  }
}

/** scheme://host:port only: paths and queries may carry a receiver's token, so logs never show them. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}
