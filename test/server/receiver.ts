// A real webhook receiver on loopback for the integration tests: records every request (headers and
// body), verifies its signature with the Standard Webhooks reference library, and can be told to
// fail (status), hang (hold the answer) or answer normally.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: number;
  signature: string;
  type: string;
  body: string;
  seq: number;
  /** Verified against the receiver's current secrets (any of them). */
  valid: boolean;
}

export class Receiver {
  readonly got: Received[] = [];
  secrets: string[] = [];
  /** Answer with this status (default 204). */
  status = 204;
  /** Hold the answer of the next request until release() (the request is recorded first). */
  hangNext = false;
  private held: ServerResponse[] = [];
  private waiters: (() => void)[] = [];
  private server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    this.server.listen(port, host);
    await once(this.server, 'listening');
    const a = this.server.address() as { port: number };
    this.url = `http://${host}:${a.port}`;
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    const valid = this.secrets.some((s) => {
      try {
        new Webhook(s).verify(body, headers, { jsonParse: false });
        return true;
      } catch {
        return false;
      }
    });
    let seq = -1;
    let type = String(req.headers['x-warden-event-type'] ?? '');
    if (String(req.headers['content-type']).startsWith('application/json')) {
      const j = JSON.parse(body) as { seq: number; type: string };
      seq = j.seq;
      type = j.type;
    }
    this.got.push({ id: headers['webhook-id'], timestamp: Number(headers['webhook-timestamp']), signature: headers['webhook-signature'], type, body, seq, valid });
    for (const w of this.waiters.splice(0)) w();
    if (this.hangNext) {
      this.hangNext = false;
      this.held.push(res);
      return;
    }
    res.writeHead(this.status).end();
  }

  /** Resolves when a request arrives (or already has, beyond `count`). */
  async waitFor(pred: (got: Received[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.got)) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms (got ${this.got.length}: ${this.got.slice(-5).map((g) => g.type).join(', ')})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  release(): void {
    for (const res of this.held.splice(0)) res.writeHead(this.status).end();
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    this.server.close();
  }
}

/** First delivery of each id, in arrival order (what a receiver that dedupes on webhook-id keeps). */
export function firstDeliveries(got: Received[]): Received[] {
  const seen = new Set<string>();
  return got.filter((g) => !seen.has(g.id) && seen.add(g.id));
}
