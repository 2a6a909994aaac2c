// Holds the push WebSocket to the agent's server and reconnects with backoff. Messages only say "a
// new bundle exists"; the agent then fetches and verifies it the normal way, so nothing arriving here
// is ever executed or trusted as policy.
import WebSocket from 'ws';
import { Backoff, sleep } from './backoff.ts';

export interface PushNotice {
  type: 'hello' | 'bundle';
  revision: string | null;
  etag: string | null;
}

export interface PushClientOptions {
  url: string;
  credential: () => string | null;
  onNotice: (n: PushNotice) => void;
  onState?: (connected: boolean, error?: string) => void;
  backoffMinMs: number;
  backoffMaxMs: number;
}

function parseNotice(data: WebSocket.RawData): PushNotice | null {
  try {
    const v = JSON.parse(data.toString()) as Partial<PushNotice>;
    if ((v.type === 'hello' || v.type === 'bundle') && (typeof v.etag === 'string' || v.etag === null)) {
      return { type: v.type, revision: typeof v.revision === 'string' ? v.revision : null, etag: v.etag ?? null };
    }
  } catch {
    // ignore anything that is not a notice
  }
  return null;
}

export class PushClient {
  private ws: WebSocket | null = null;
  private readonly ac = new AbortController();
  private readonly backoff: Backoff;
  connected = false;

  constructor(private readonly opts: PushClientOptions) {
    this.backoff = new Backoff(opts.backoffMinMs, opts.backoffMaxMs);
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.ac.abort();
    this.ws?.terminate();
  }

  private async loop(): Promise<void> {
    while (!this.ac.signal.aborted) {
      const cred = this.opts.credential();
      if (cred) {
        const err = await this.connectOnce(cred);
        this.opts.onState?.(false, err);
      }
      if (this.ac.signal.aborted) break;
      await sleep(this.backoff.next(), this.ac.signal);
    }
  }

  /** Resolves when the connection ends, with the reason when it failed. */
  private connectOnce(credential: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.opts.url, { headers: { authorization: `Bearer ${credential}` }, maxPayload: 64 * 1024, handshakeTimeout: 15_000 });
      this.ws = ws;
      let error: string | undefined;
      ws.on('open', () => {
        this.connected = true;
        this.backoff.reset();
        this.opts.onState?.(true);
      });
      ws.on('message', (data) => {
        const n = parseNotice(data);
        if (n) this.opts.onNotice(n);
      });
      ws.on('unexpected-response', (_req, res) => {
        error = `push refused: HTTP ${res.statusCode ?? 0}`;
        ws.terminate();
      });
      ws.on('error', (e) => {
        error = error ?? `push connection failed: ${e.message}`;
      });
      ws.on('close', () => {
        this.connected = false;
        this.ws = null;
        resolve(error);
      });
    });
  }
}
