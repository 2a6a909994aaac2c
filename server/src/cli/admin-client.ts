// The admin CLI's HTTP client: server URL from --server or WARDEN_SERVER, API token from
// WARDEN_TOKEN or --token-file (never from the command line, where `ps` would show it).
import { readFileSync } from 'node:fs';

export class AdminCliError extends Error {}

export interface AdminClient {
  request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: () => unknown }>;
}

export function adminClient(opts: { server?: string | undefined; tokenFile?: string | undefined }, env: NodeJS.ProcessEnv = process.env): AdminClient {
  const server = (opts.server ?? env.WARDEN_SERVER ?? '').replace(/\/+$/, '');
  if (!server) throw new AdminCliError('no server: pass --server URL or set WARDEN_SERVER');
  if (!/^https?:\/\//.test(server)) throw new AdminCliError(`server must be an http(s) URL, got '${server}'`);
  const token = (opts.tokenFile ? readFileSync(opts.tokenFile, 'utf8') : (env.WARDEN_TOKEN ?? '')).trim();
  if (!token) throw new AdminCliError('no API token: set WARDEN_TOKEN or pass --token-file FILE');
  return {
    async request(method, path, body) {
      let res: Response;
      try {
        res = await fetch(`${server}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (e) {
        throw new AdminCliError(`cannot reach ${server}: ${(e as Error).message}`);
      }
      const text = await res.text();
      if (res.status >= 400) {
        let msg = text;
        try {
          msg = (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          /* not JSON: show as is */
        }
        throw new AdminCliError(`${method} ${path}: HTTP ${res.status}: ${msg}`);
      }
      return { status: res.status, text, json: () => JSON.parse(text) as unknown };
    },
  };
}
