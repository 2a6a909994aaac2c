// The load generator's HTTP client for bench/fleet.ts: node:http on one keep-alive pool, with each
// simulated agent's Authorization header and the status bodies built once, instead of the agent's
// axios client (whose per-request config merging, header normalisation and proxy lookup cost the
// generator more CPU per check-in than the server spent answering it, so the bench measured its own
// load generator). Every request is still a real one: the device's own credential, a body the
// server validates, the answer's status checked; a non-2xx/304 answer throws with the server's message.
import http from 'node:http';
import { AGENT_API } from '../agent/src/sync/api-paths.ts';

export interface LeanAnswer {
  status: number;
  etag: string | undefined;
  body: Buffer;
}

export class LeanHttp {
  private readonly host: string;
  private readonly port: number;

  constructor(
    server: string,
    private readonly agent: http.Agent,
  ) {
    const u = new URL(server);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  request(method: 'GET' | 'POST', path: string, headers: http.OutgoingHttpHeaders, body?: Buffer): Promise<LeanAnswer> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const b = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          if ((status >= 200 && status < 300) || status === 304) resolve({ status, etag: res.headers.etag, body: b });
          else reject(new Error(`${method} ${path}: ${status} ${b.toString('utf8').slice(0, 300)}`));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

const statusBodies = new Map<string | null, Buffer>();
/** The check-in body of a simulated agent holding `revision` (the same document the agent's client posts, built once per revision). */
export function statusBody(revision: string | null): Buffer {
  let b = statusBodies.get(revision);
  if (!b) {
    b = Buffer.from(JSON.stringify({ bundle_revision: revision, agent_version: 'bench', errors: [] }));
    statusBodies.set(revision, b);
  }
  return b;
}

/** One simulated agent's requests: its credential's header built once. */
export class LeanAgent {
  private readonly authz: string;

  constructor(
    private readonly http: LeanHttp,
    credential: string,
  ) {
    this.authz = `Bearer ${credential}`;
  }

  async checkIn(revision: string | null): Promise<void> {
    const body = statusBody(revision);
    await this.http.request('POST', AGENT_API.checkIn, { authorization: this.authz, 'content-type': 'application/json', 'content-length': body.length }, body);
  }

  /** The signed bundle unless `etag` is still current (→ null). */
  async fetchBundle(etag: string | null): Promise<{ archive: Buffer; etag: string } | null> {
    const h: http.OutgoingHttpHeaders = { authorization: this.authz };
    if (etag) h['if-none-match'] = etag;
    const r = await this.http.request('GET', AGENT_API.bundle, h);
    if (r.status === 304) return null;
    return { archive: r.body, etag: r.etag ?? '' };
  }
}
