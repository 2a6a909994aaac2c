// Impact preview and the compliance report on the real evaluation path: the fleet policy
// (policies/warden.rego) compiled by warden's compiler, run in the unmodified opa-wasm SDK through the
// agent's PolicyEngine, against the latest inventory of every device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmPolicyEvaluator } from '../../server/src/policy/wasm-evaluator.ts';
import { compileFleetPolicy } from '../../server/src/policy/fleet-policy.ts';
import { expireExceptions } from '../../server/src/app.ts';
import { EXAMPLE_LIST, enroll, finding, http, inventory, sqliteKind, startFleet } from './helpers.ts';
import { buildPolicyInput } from '../../agent/src/policy/input.ts';
import type { BanList } from '../../wire/src/banlist.ts';

test('impact preview and out-of-compliance report evaluate the real fleet policy', async () => {
  let clock = Date.now();
  const wasm = compileFleetPolicy();
  const f = await startFleet(sqliteKind, { now: () => clock, evaluator: new WasmPolicyEvaluator(() => wasm) });
  try {
    const { url, tokens } = f;
    const upload = async (host: string, findings: ReturnType<typeof finding>[]) => {
      const d = await enroll(url, f.enrollSecret, host);
      const r = await http(url, 'POST', '/api/v1/agent/inventory', { token: d.credential, body: { kind: 'full', seq: 1, inventory: inventory(host, findings) } });
      assert.equal(r.status, 200, r.text);
      return d;
    };
    await upload('alice', [finding('claude-code', '2.0.1'), finding('qoder-cli', '0.9.0')]);
    await upload('bob', [finding('cursor', '1.2.0')]);
    const carol = await upload('carol', [finding('claude-code', '1.5')]);

    // Carol holds an approved exception for Claude Code.
    const ex = await http(url, 'POST', '/api/v1/agent/exceptions', { token: carol.credential, body: { tool: 'claude-code', reason: 'migration project' } });
    const exId = (ex.body as { id: string }).id;
    assert.equal((await http(url, 'POST', `/api/v1/exceptions/${exId}/approve`, { token: tokens.admin, body: { expires_at: new Date(clock + 86400_000).toISOString(), note: 'ok' } })).status, 200);

    // Before publishing: what would banning Claude Code do? (current list: allow everything)
    let r = await http(url, 'POST', '/api/v1/bans/preview', { token: tokens.auditor, body: { list: EXAMPLE_LIST } });
    assert.equal(r.status, 200, r.text);
    const impact = r.body as { devices_evaluated: number; devices_changed: number; findings_evaluated: number; findings_changed: number; changes: { hostname: string; tool: string; from: string; to: string }[]; after: Record<string, number> };
    assert.equal(impact.devices_evaluated, 3);
    assert.equal(impact.findings_evaluated, 4);
    assert.deepEqual(impact.changes.map((c) => [c.hostname, c.tool, c.from, c.to]), [['alice', 'claude-code', 'allow', 'quarantine']], 'carol is excepted, bob and qoder stay allowed');
    assert.equal(impact.devices_changed, 1);
    assert.equal(impact.after.quarantine, 1);

    // A version-scoped draft: only Claude Code below 2.0.0 → now carol's 1.5 would match, but her exception wins.
    const scoped = { ...EXAMPLE_LIST, rules: [{ id: 'old-claude', action: 'block', match: { tools: ['claude-code'], version: { lt: '2.0.0' } } }] };
    r = await http(url, 'POST', '/api/v1/bans/preview', { token: tokens.auditor, body: { list: scoped } });
    assert.deepEqual((r.body as typeof impact).changes, []);

    // diff = changes + impact in one answer (what `warden bans diff` prints).
    r = await http(url, 'POST', '/api/v1/bans/diff', { token: tokens.auditor, body: { list: EXAMPLE_LIST } });
    assert.equal((r.body as { impact: typeof impact }).impact.devices_changed, 1);

    // Publish, then ask who is out of compliance.
    assert.equal((await http(url, 'PUT', '/api/v1/bans', { token: tokens['policy-editor'], body: { list: EXAMPLE_LIST, why: 'ban Claude Code' } })).status, 200);
    r = await http(url, 'GET', '/api/v1/reports/noncompliant-devices', { token: tokens.auditor });
    assert.equal(r.status, 200, r.text);
    const rows = (r.body as { rows: { hostname: string; strictest_action: string; tools: string }[] }).rows;
    assert.deepEqual(rows.map((x) => [x.hostname, x.strictest_action, x.tools]), [['alice', 'quarantine', 'claude-code']]);

    // When carol's exception expires she is out of compliance too.
    clock += 2 * 86400_000;
    assert.equal(await expireExceptions(f.app), 1);
    r = await http(url, 'GET', '/api/v1/reports/noncompliant-devices?format=csv', { token: tokens.auditor });
    const lines = r.text.trim().split('\r\n');
    assert.equal(lines[0], 'device_id,hostname,platform,strictest_action,findings,tools,groups,bundle_revision,bundle_current,last_seen_at');
    assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(1, 6).join(',')).sort(), ['alice,linux,quarantine,1,claude-code', 'carol,linux,quarantine,1,claude-code']);
  } finally {
    await f.close();
  }
});

test('without a policy evaluator, preview answers 503 with the reason (not a 500)', async () => {
  const f = await startFleet(sqliteKind);
  try {
    const r = await http(f.url, 'POST', '/api/v1/bans/preview', { token: f.tokens.auditor, body: { list: EXAMPLE_LIST } });
    assert.equal(r.status, 503);
    assert.match((r.body as { message: string }).message, /policy evaluator/);
  } finally {
    await f.close();
  }
});

test('devices that hand the policy the same input are evaluated once; a device an exception names is not merged', async () => {
  const ev = new WasmPolicyEvaluator(() => compileFleetPolicy());
  const now = new Date();
  const findings = [finding('claude-code', '2.0.1'), finding('cursor', '1.2.0')];
  const input = (id: string, host: string, groups: string[] = []) => buildPolicyInput(inventory(host, findings), { id, groups, userGroups: {} }, now, []);
  const list = { ...EXAMPLE_LIST, exceptions: [{ id: 'ex-d3', tool: 'claude-code', device: 'd3', expires: new Date(now.getTime() + 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }] } as unknown as BanList;
  const out = await ev.evaluate(list, [input('d1', 'alpha'), input('d2', 'beta'), input('d3', 'gamma'), input('d4', 'delta', ['build-hosts'])]);
  assert.deepEqual(ev.lastRun, { inputs: 4, evaluations: 3 }, 'd1 and d2 differ only in id and hostname; d3 is named by an exception; d4 is in a group');
  const claude = (i: number) => out[i]?.find((d) => d.tool === 'claude-code')?.action;
  assert.deepEqual([claude(0), claude(1), claude(2), claude(3)], ['quarantine', 'quarantine', 'allow', 'quarantine']);
});
