// Fuzz: 10,000 seeded requests that are each wrong by construction (broken JSON, wrong types,
// missing or unknown fields, oversized, wrong content type or encoding, NUL strings, prototype keys,
// bad query strings, unknown routes, forged credentials) across every route, through app.inject.
// Every one must be refused with a 4xx and a clear message; none may reach a 5xx or crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { InjectOptions } from 'fastify';
import { EXAMPLE_LIST, enroll, event, finding, inventory, sqliteKind, startFleet } from './helpers.ts';
import { mulberry32 as rng } from '../support/prng.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Template {
  method: 'POST' | 'PUT' | 'PATCH';
  url: string;
  who: 'none' | 'device' | 'admin';
  body: Json;
  /** Top-level keys the route does not require (not dropped by the missing-field mutation). */
  optional?: string[];
}

const SEED = Number(process.env.WARDEN_FUZZ_SEED ?? 20261124);
const TOTAL = 10_000;

/** Every JSON path to a value inside v (objects and arrays), root excluded. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  const children: [string | number, Json][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : v !== null && typeof v === 'object' ? Object.entries(v) : [];
  for (const [k, x] of children) {
    out.push([...at, k]);
    paths(x, [...at, k], out);
  }
  return out;
}

/** A value of a different JSON type than v (never coercible: bodies are validated without coercion). */
function wrongType(v: Json, pick: () => number): Json {
  const options: Json[] = typeof v === 'string' ? [12345, true, [], {}] : typeof v === 'number' ? ['12', false, [], {}] : typeof v === 'boolean' ? ['true', 1, {}] : Array.isArray(v) ? [{}, 'list', 7] : v === null ? [{ x: 1 }, [1]] : [[], 'obj', 3];
  return options[Math.floor(pick() * options.length)] as Json;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  const copy = structuredClone(root);
  let cur: Json = copy;
  for (const k of path.slice(0, -1)) cur = (cur as Record<string, Json>)[k as string] as Json;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(last as number, 1, 'removed' as unknown as Json);
    else delete (cur as Record<string, Json>)[last as string];
  } else (cur as Record<string, Json>)[last as string] = value;
  return copy;
}

test(`fuzz: ${TOTAL} malformed, oversized and wrong-typed requests are all refused with a clear 4xx (seed ${SEED})`, async () => {
  const f = await startFleet(sqliteKind, { bodyLimit: 64 * 1024, uploadBodyLimit: 256 * 1024, authLimits: { enrollFailuresPerAddress: 1_000_000, loginFailuresPerUserAddress: 1_000_000, loginFailuresPerUser: 1_000_000, loginFailuresPerAddress: 1_000_000 } });
  try {
    const dev = await enroll(f.url, f.enrollSecret, 'fuzz-host');
    const auth = { none: undefined, device: dev.credential, admin: f.tokens.admin } as const;
    const templates: Template[] = [
      { method: 'POST', url: '/api/v1/enroll', who: 'none', body: { enroll_secret: 'not-the-secret', hardware_id: 'hw-fuzz-0001', hostname: 'h', platform: 'linux', agent_version: '1.0' } },
      { method: 'POST', url: '/api/v1/auth/login', who: 'none', body: { username: 'nobody', password: 'wrong password' } },
      { method: 'POST', url: '/api/v1/agent/inventory', who: 'device', body: { kind: 'full', seq: 1, inventory: inventory('fuzz-host', [finding('claude-code', '2.0.1')]) } as unknown as Json },
      { method: 'POST', url: '/api/v1/agent/inventory', who: 'device', body: { kind: 'delta', seq: 2, base_seq: 1, upserts: [finding('cursor', '1.0.0')], removed: ['x:npm:alice'] } as unknown as Json },
      { method: 'POST', url: '/api/v1/agent/events', who: 'device', body: { batch_id: 'fuzz', events: [event('claude-code')] } as unknown as Json },
      { method: 'POST', url: '/api/v1/agent/status', who: 'device', body: { bundle_revision: '1.0', agent_version: '1', errors: ['e'] } },
      { method: 'POST', url: '/api/v1/agent/exceptions', who: 'device', body: { tool: 'claude-code', reason: 'need it' } },
      { method: 'POST', url: '/api/v1/users', who: 'admin', body: { username: 'fuzz', role: 'auditor', password: 'long enough password' } },
      { method: 'PATCH', url: '/api/v1/users/nobody', who: 'admin', body: { role: 'auditor' } },
      { method: 'POST', url: '/api/v1/tokens', who: 'admin', body: { name: 'fuzz', expires_in_days: 1 }, optional: ['expires_in_days'] },
      { method: 'POST', url: '/api/v1/enroll-tokens', who: 'admin', body: { note: 'fuzz', expires_in_hours: 1 }, optional: ['expires_in_hours'] },
      { method: 'POST', url: '/api/v1/bans/rules', who: 'admin', body: { rule: { id: 'r1', action: 'block', match: { tools: ['x'] } }, why: 'fuzzing' } },
      { method: 'PUT', url: '/api/v1/bans/rules/r1', who: 'admin', body: { rule: { id: 'r1', action: 'block', match: { tools: ['x'] } }, why: 'fuzzing' } },
      { method: 'PUT', url: '/api/v1/bans', who: 'admin', body: { list: EXAMPLE_LIST as unknown as Json, why: 'fuzzing' } },
      { method: 'POST', url: '/api/v1/bans/diff', who: 'admin', body: { list: EXAMPLE_LIST as unknown as Json } },
      { method: 'POST', url: '/api/v1/bans/preview', who: 'admin', body: { list: EXAMPLE_LIST as unknown as Json } },
      { method: 'POST', url: '/api/v1/exceptions', who: 'admin', body: { device_id: dev.deviceId, tool: 'claude-code', reason: 'fuzz' } },
      { method: 'POST', url: '/api/v1/exceptions/nope/approve', who: 'admin', body: { expires_at: '2030-01-01T00:00:00Z', note: 'x' } },
      { method: 'POST', url: '/api/v1/exceptions/nope/deny', who: 'admin', body: { note: 'no way' } },
    ];
    const getRoutes = ['/api/v1/devices', '/api/v1/inventory', '/api/v1/events', '/api/v1/exceptions', '/api/v1/audit', '/api/v1/bans/history', '/api/v1/reports/inventory-by-tool'];
    const pick = rng(SEED);
    const choose = <T>(xs: readonly T[]): T => xs[Math.floor(pick() * xs.length)] as T;
    const counts = new Map<string, number>();

    const build = (): { kind: string; req: InjectOptions } => {
      const t = choose(templates);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const token = auth[t.who];
      if (token) headers.authorization = `Bearer ${token}`;
      const base = { method: t.method, url: t.url, headers };
      const r = pick();
      if (r < 0.3) {
        // wrong type somewhere in the body
        const ps = paths(t.body);
        const p = choose(ps);
        let v: Json = t.body;
        for (const k of p) v = (v as Record<string, Json>)[k as string] as Json;
        return { kind: 'wrong-type', req: { ...base, payload: JSON.stringify(setAt(t.body, p, wrongType(v, pick))) } };
      }
      if (r < 0.42) return { kind: 'unknown-field', req: { ...base, payload: JSON.stringify({ ...(t.body as object), [`x${Math.floor(pick() * 1e6)}`]: 1 }) } };
      if (r < 0.52) {
        const keys = Object.keys(t.body as object).filter((k) => !(t.optional ?? []).includes(k));
        const drop = choose(keys);
        const body = Object.fromEntries(Object.entries(t.body as object).filter(([k]) => k !== drop));
        // PATCH bodies need at least one property; an empty one is refused too.
        return { kind: 'missing-field', req: { ...base, payload: JSON.stringify(body) } };
      }
      if (r < 0.62) {
        const s = JSON.stringify(t.body);
        return { kind: 'broken-json', req: { ...base, payload: s.slice(0, Math.max(1, Math.floor(pick() * (s.length - 1)))) } };
      }
      if (r < 0.66) return { kind: 'not-an-object', req: { ...base, payload: choose(['[]', '"text"', '42', 'null', 'true', '[{}]']) } };
      if (r < 0.69) return { kind: 'nul-string', req: { ...base, payload: JSON.stringify(t.body).replace(/"([^"]*)"$/, '"\\u0000"').replace(/:"/, ':"\\u0000') } };
      if (r < 0.71) return { kind: 'proto-key', req: { ...base, payload: `{"__proto__":{"polluted":1},${JSON.stringify(t.body).slice(1)}` } };
      if (r < 0.73) return { kind: 'oversized', req: { ...base, payload: JSON.stringify({ ...(t.body as object), pad: 'x'.repeat(300 * 1024) }) } };
      if (r < 0.75) return { kind: 'bad-content-type', req: { ...base, headers: { ...headers, 'content-type': choose(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) }, payload: JSON.stringify(t.body) } };
      if (r < 0.77) return { kind: 'bad-gzip', req: { ...base, headers: { ...headers, 'content-encoding': 'gzip' }, payload: Buffer.from(JSON.stringify(t.body)) } };
      if (r < 0.78) return { kind: 'gzip-bomb', req: { ...base, headers: { ...headers, 'content-encoding': 'gzip' }, payload: gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)) } };
      if (r < 0.79) return { kind: 'bad-encoding', req: { ...base, headers: { ...headers, 'content-encoding': choose(['br', 'deflate', 'x-zip']) }, payload: JSON.stringify(t.body) } };
      if (r < 0.81) return { kind: 'deep-nesting', req: { ...base, payload: '['.repeat(3000) + ']'.repeat(3000) } };
      if (r < 0.84) {
        const q = choose(['limit=-1', 'limit=abc', 'limit=100000', 'offset=-5', 'nope=1', 'since=yesterday', 'limit=1&limit=2', 'format=xml', 'state=maybe']);
        return { kind: 'bad-query', req: { method: 'GET', url: `${choose(getRoutes)}?${q}`, headers: { authorization: `Bearer ${f.tokens.admin}` } } };
      }
      if (r < 0.86) return { kind: 'bad-path', req: { method: 'GET', url: choose(['/api/v1/reports/everything', `/api/v1/devices/${'z'.repeat(300)}`, '/api/v1/nothing', '/api/v2/devices', '/../../etc/passwd', '/api/v1/devices/%00', '/api/v1/reports/%E0%A4%A']), headers: { authorization: `Bearer ${f.tokens.admin}` } } };
      if (r < 0.88) return { kind: 'bad-method', req: { method: choose(['DELETE', 'PATCH', 'PUT'] as const), url: choose(['/api/v1/devices', '/api/v1/enroll', '/metrics', '/api/v1/audit']), headers: { authorization: `Bearer ${f.tokens.admin}` } } };
      if (r < 0.92) {
        const forged = choose([`Bearer wdd.${'a'.repeat(24)}.${'B'.repeat(43)}`, `Bearer ${dev.credential}x`, 'Bearer ', 'Token abc', `Bearer wda.${'f'.repeat(24)}.${'_'.repeat(43)}`, `Bearer ${'A'.repeat(5000)}`]);
        const guarded = templates.filter((x) => x.who !== 'none');
        const g = choose(guarded);
        return { kind: 'forged-credential', req: { method: g.method, url: g.url, headers: { 'content-type': 'application/json', authorization: forged }, payload: JSON.stringify(g.body) } };
      }
      // An array element replaced by a wrong type or a huge array of junk items.
      const arr = paths(t.body).filter((p) => {
        let v: Json = t.body;
        for (const k of p) v = (v as Record<string, Json>)[k as string] as Json;
        return Array.isArray(v);
      });
      if (arr.length > 0 && pick() < 0.5) {
        const p = choose(arr);
        return { kind: 'junk-array', req: { ...base, payload: JSON.stringify(setAt(t.body, p, [...Array.from({ length: Math.floor(pick() * 50) }, () => choose([1, 'x', null, [], { bad: true }] as Json[])), { bad: true }, 1])) } };
      }
      return { kind: 'empty-body', req: { ...base, payload: '' } };
    };

    for (let i = 0; i < TOTAL; i++) {
      const { kind, req } = build();
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      const res = await f.app.inject(req);
      const ctx = `#${i} ${kind} ${req.method} ${req.url} → ${res.statusCode} ${res.body.slice(0, 200)}`;
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `refused with a 4xx: ${ctx}`);
      let message = '';
      try {
        message = (JSON.parse(res.body) as { message?: string }).message ?? '';
      } catch {
        /* not JSON */
      }
      assert.ok(message.length >= 5, `with a clear message: ${ctx}`);
      assert.ok(!/at .+\.ts:\d+|node_modules/.test(res.body), `no stack trace leaks: ${ctx}`);
    }
    // The server still works afterwards, and nothing slipped through into the database.
    const ok = await f.app.inject({ method: 'GET', url: '/api/v1/devices', headers: { authorization: `Bearer ${f.tokens.admin}` } });
    assert.equal(ok.statusCode, 200);
    assert.equal((JSON.parse(ok.body) as { devices: unknown[] }).devices.length, 1);
    assert.equal((await f.store.listBans()).length, 0, 'no ban-list entry was created by junk');
    assert.equal(await f.store.countEvents(), 0, 'no event was stored from junk');
    assert.ok(counts.size >= 18, `every kind of mutation ran: ${JSON.stringify(Object.fromEntries(counts))}`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  } finally {
    await f.close();
  }
});
