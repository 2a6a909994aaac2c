// Shared fixtures for the server tests: a real store (SQLite in a temp dir; PostgreSQL in its own
// schema when WARDEN_TEST_PG_URL is set), a real server on 127.0.0.1, users of every role, and
// wire-valid inventories and events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { openStore } from '../../server/src/store/open.ts';
import type { SqlRepository } from '../../server/src/store/sql-repository.ts';
import { PostgresDriver } from '../../server/src/store/postgres-driver.ts';
import { buildServer, type ServerOptions } from '../../server/src/app.ts';
import { createUser, issueApiToken, rotateEnrollSecret } from '../../server/src/routes/access.ts';
import type { Role } from '../../server/src/store/types.ts';
import type { Finding, Inventory } from '../../wire/src/inventory.ts';
import type { EnforcementEvent } from '../../wire/src/event.ts';

export const PG_URL = process.env.WARDEN_TEST_PG_URL;

export interface StoreKind {
  name: 'sqlite' | 'postgres';
  open(): Promise<{ store: SqlRepository; dir: string; cleanup: () => Promise<void>; pgSchema?: string }>;
}

export const sqliteKind: StoreKind = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'warden-server-test-'));
    const store = await openStore({ dataDir: dir });
    return {
      store,
      dir,
      cleanup: async () => {
        await store.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresKind: StoreKind = {
  name: 'postgres',
  async open() {
    if (!PG_URL) throw new Error('WARDEN_TEST_PG_URL is not set');
    const dir = mkdtempSync(join(tmpdir(), 'warden-server-test-'));
    // Each test gets its own schema, so parallel runs never see each other's rows.
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const store = await openStore({ database: PG_URL, pgSchema: schema });
    return {
      store,
      dir,
      pgSchema: schema,
      cleanup: async () => {
        await store.close().catch(() => undefined);
        const drop = new PostgresDriver({ url: PG_URL, schema });
        await drop.dropSchema().finally(() => drop.close());
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** SQLite always; PostgreSQL whenever WARDEN_TEST_PG_URL is set (CI sets it). */
export const STORE_KINDS: StoreKind[] = PG_URL ? [sqliteKind, postgresKind] : [sqliteKind];
/** Runs `fn` with a PostgreSQL URL whose search_path is a fresh schema (migrated), dropped afterwards. */
export async function withPgSchemaUrl<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const setup = new PostgresDriver({ url: PG_URL!, schema });
  await setup.init();
  try {
    const u = new URL(PG_URL!);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return await fn(u.toString());
  } finally {
    await setup.dropSchema();
    await setup.close();
  }
}

export const pgNote = PG_URL ? '' : ' (PostgreSQL: set WARDEN_TEST_PG_URL to run it there too)';

export interface Fleet {
  app: FastifyInstance;
  url: string;
  store: SqlRepository;
  dir: string;
  tokens: Record<Role, string>;
  enrollSecret: string;
  /** The PostgreSQL schema this fleet's data lives in (postgres only). */
  pgSchema?: string;
  close: () => Promise<void>;
}

/** A listening server with one user (and API token) per role and a fleet enroll secret. */
export async function startFleet(kind: StoreKind, opts: Partial<ServerOptions> = {}, beforeListen?: (app: FastifyInstance) => Promise<unknown>): Promise<Fleet> {
  const { store, dir, cleanup, pgSchema } = await kind.open();
  const app = await buildServer({ store, exceptionSweepMs: 0, ...opts });
  if (beforeListen) await beforeListen(app);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const tokens = {} as Record<Role, string>;
  for (const role of ['admin', 'policy-editor', 'auditor', 'scim', 'siem'] as Role[]) {
    const id = await createUser(store, `${role}-user`, role, 'a long enough password', Date.now());
    tokens[role] = (await issueApiToken(store, id, 'test', null, Date.now())).token;
  }
  const enrollSecret = await rotateEnrollSecret(store);
  return {
    app, url: address, store, dir, tokens, enrollSecret, ...(pgSchema ? { pgSchema } : {}),
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}

export interface HttpResult {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export async function http(url: string, method: string, path: string, opts: { token?: string; body?: unknown; raw?: Buffer; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Buffer | undefined;
  if (opts.raw) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

export async function enroll(url: string, secret: string, hostname: string, hardwareId = `hw-${randomBytes(8).toString('hex')}`): Promise<{ deviceId: string; credential: string; hardwareId: string }> {
  const r = await http(url, 'POST', '/api/v1/enroll', { body: { enroll_secret: secret, hardware_id: hardwareId, hostname, platform: 'linux', agent_version: '0.1.0' } });
  if (r.status !== 200) throw new Error(`enroll failed: ${r.status} ${r.text}`);
  const b = r.body as { device_id: string; credential: string };
  return { deviceId: b.device_id, credential: b.credential, hardwareId };
}

export function finding(tool: string, version: string | null, over: Partial<Finding> = {}): Finding {
  const vendors: Record<string, [string, string]> = {
    'claude-code': ['Claude Code', 'Anthropic'],
    cursor: ['Cursor', 'Anysphere'],
    'qoder-cli': ['Qoder CLI', 'Alibaba'],
    'github-copilot': ['GitHub Copilot', 'GitHub'],
  };
  const [name, vendor] = vendors[tool] ?? [tool, 'Example Vendor'];
  return {
    tool_id: tool, name, vendor, vendor_country: 'US', category: 'coding-agent', version, channel: 'npm', user: 'alice',
    paths: [`/home/alice/.npm-global/lib/node_modules/${tool}`],
    evidence: [{ signal: 'npm_package', path: `/home/alice/.npm-global/lib/node_modules/${tool}/package.json`, ...(version === null ? {} : { version }), strong: true }],
    confidence: 'high', running: [], ...over,
  };
}

export function inventory(hostname: string, findings: Finding[]): Inventory {
  return {
    schema_version: 1, scanned_at: new Date().toISOString(), duration_ms: 12, root: '/', catalog_version: 'test',
    host: { hostname, os: { platform: 'linux', distro: 'debian', release: '12', arch: 'x64' }, serial: null, users: ['alice'] },
    findings, skipped: [],
  };
}

export function event(tool: string, kind: EnforcementEvent['kind'] = 'quarantine', over: Partial<EnforcementEvent> = {}): EnforcementEvent {
  return {
    id: randomUUID(), time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), kind, tool, finding: `${tool}:npm:alice`, action: 'quarantine', rule: 'ban-claude-code',
    reason: 'rule ban-claude-code (quarantine) matches', bundle_revision: '1.0', result: 'ok', detail: 'moved to the vault', ...over,
  };
}

export const EXAMPLE_LIST = {
  schema: 'warden.banlist/v1',
  name: 'test list',
  mode: 'enforce',
  default_action: 'allow',
  message: 'not approved',
  alternative: 'Qoder',
  rules: [
    { id: 'ban-claude-code', action: 'quarantine', match: { tools: ['claude-code'] } },
    { id: 'allow-qoder', action: 'allow', match: { tools: ['qoder-cli'] } },
  ],
  exceptions: [],
} as const;
