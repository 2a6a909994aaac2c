// A ban list can neither freeze the fleet nor fail silently (issue 10, item 5):
//  - every ban-list field has a size limit and settings a depth limit: a 3,000-level settings value
//    (the attack) is refused with a 400 naming its JSON path, and nothing is stored or published;
//  - canonical JSON (bundle hashing, on the server and on every agent) is iterative;
//  - a bundle that cannot be built is visible: a real compile error fails the publish call with the
//    reason (nothing stored); a real database error after the change is stored shows in the publish
//    reply, the rollout status, the Prometheus metrics and the audit log, and the retry recovers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey, signBundle, verifyBundle } from '../../wire/src/bundle-signing.ts';
import { canonicalJson } from '../../wire/src/canonical-json.ts';
import { installBundleDistribution, type BundleDistribution } from '../../server/src/bundle-distribution.ts';
import { compilerBundle } from '../../server/src/bundle-compile.ts';
import { EXAMPLE_LIST, STORE_KINDS, enroll, http, pgNote, sqliteKind, startFleet, type Fleet } from './helpers.ts';
import { transportCompile } from '../support/transport-bundle.ts';

// The policy's content does not matter here (test/support/transport-bundle.ts).
const compile = transportCompile;

/** { a: { a: … leaf } } with `levels` objects. */
function nest(levels: number, leaf: unknown = true): Record<string, unknown> {
  let v: unknown = leaf;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v as Record<string, unknown>;
}

interface Rollout {
  wanted_revision: string;
  stale: boolean;
  bundle: { revision: string; seq: number } | null;
  build: { state: string; revision: string; error: string | null; consecutive_failures: number } | null;
  devices: { active: number; on_served_bundle: number; behind: number };
}
const rollout = async (f: Fleet): Promise<Rollout> => (await http(f.url, 'GET', '/api/v1/rollout', { token: f.tokens.auditor })).body as Rollout;
const metrics = async (f: Fleet): Promise<string> => (await http(f.url, 'GET', '/metrics', { token: f.tokens.auditor })).text;
const audit = async (f: Fleet): Promise<{ actor: string; action: string; target: string; detail: Record<string, unknown> }[]> =>
  ((await http(f.url, 'GET', '/api/v1/audit?limit=1000', { token: f.tokens.auditor })).body as { entries: { actor: string; action: string; target: string; detail: Record<string, unknown> }[] }).entries;

test('canonical JSON is iterative: a 100,000-level value hashes, and a bundle carrying it signs and verifies', () => {
  const deep = nest(100_000);
  const text = canonicalJson(deep);
  assert.equal(text.length, '{"a":'.length * 100_000 + 'true'.length + 100_000);
  assert.equal(canonicalJson({ b: [1, { d: null, c: 'x' }], a: 'é' }), '{"a":"é","b":[1,{"c":"x","d":null}]}');
  const key = generateSigningKey();
  const files = new Map([['data.json', Buffer.from(text)], ['.manifest', Buffer.from('{"revision":"deep"}')]]);
  assert.doesNotThrow(() => verifyBundle(signBundle(files, key), key.publicKeyPem));
});

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] a 3,000-level settings value and over-long fields get a 400 naming the JSON path; nothing is published${pgNote}`, async () => {
    let dist: BundleDistribution | undefined;
    const f = await startFleet(kind, {}, async (app) => (dist = await installBundleDistribution(app, { signingKey: generateSigningKey(), compile })));
    try {
      const { url, tokens } = f;
      const editor = tokens['policy-editor'];
      let r = await http(url, 'PUT', '/api/v1/bans', { token: editor, body: { list: EXAMPLE_LIST, why: 'baseline' } });
      assert.equal(r.status, 200, r.text);
      const published = (r.body as { bundle: { state: string; seq: number } }).bundle;
      assert.equal(published.state, 'published');
      const before = { bans: (await http(url, 'GET', '/api/v1/bans', { token: editor })).text, seq: dist!.bundles.current()?.seq, history: (await f.store.banHistory()).length };
      assert.equal(before.seq, published.seq);

      // The attack: a configure rule whose settings nest 3,000 levels (it used to be stored with 201,
      // then every later bundle build threw and the fleet stayed on the old bundle).
      const deepRule = { id: 'deep-settings', action: 'configure', match: { tools: ['claude-code'] }, settings: nest(3000) };
      const path = /rules\[2\]\.settings\.a\.a\.a\.a\.a…: nested deeper than 32/;
      r = await http(url, 'POST', '/api/v1/bans/rules', { token: editor, body: { rule: deepRule, why: 'attack' } });
      assert.equal(r.status, 400, r.text);
      assert.equal((r.body as { error: string }).error, 'invalid_ban_list');
      assert.match((r.body as { message: string }).message, path);
      r = await http(url, 'PUT', '/api/v1/bans', { token: editor, body: { list: { ...EXAMPLE_LIST, rules: [...EXAMPLE_LIST.rules, deepRule] }, why: 'attack' } });
      assert.equal(r.status, 400, r.text);
      assert.match((r.body as { message: string }).message, path);
      r = await http(url, 'PUT', '/api/v1/bans/rules/ban-claude-code', { token: editor, body: { rule: { ...deepRule, id: 'ban-claude-code' }, why: 'attack' } });
      assert.equal(r.status, 400, r.text);
      assert.match((r.body as { message: string }).message, /rules\[0\]\.settings\.a\.a\.a\.a\.a…: nested deeper than 32/);
      r = await http(url, 'POST', '/api/v1/bans/diff', { token: tokens.auditor, body: { list: { ...EXAMPLE_LIST, rules: [deepRule] } } });
      assert.equal(r.status, 400, 'a read-only preview of the same list is refused alike');
      assert.match((r.body as { message: string }).message, /rules\[0\]\.settings\.a.*: nested deeper than 32/);

      // The limit is the document's depth (list → rules → rule → settings …): 32 in all, so a rule's
      // settings may be 29 objects deep, not 30.
      r = await http(url, 'POST', '/api/v1/bans/rules', { token: editor, body: { rule: { ...deepRule, id: 'depth-30', settings: nest(30) }, why: 'one too deep' } });
      assert.equal(r.status, 400, r.text);
      assert.match((r.body as { message: string }).message, /rules\[2\]\.settings\.a\.a\.a\.a\.a…: nested deeper than 32/);

      // Every other field has a size limit, named by its path.
      const tooBig: [string, unknown, RegExp][] = [
        ['description', { ...EXAMPLE_LIST.rules[0], id: 'r-desc', description: 'x'.repeat(2001) }, /body\/rule\/description must NOT have more than 2000 characters/],
        ['tool name', { id: 'r-tool', action: 'block', match: { tools: ['t'.repeat(201)] } }, /body\/rule\/match\/tools\/0 must NOT have more than 200 characters/],
        ['tool list', { id: 'r-tools', action: 'block', match: { tools: Array.from({ length: 1001 }, (_, i) => `t${i}`) } }, /body\/rule\/match\/tools must NOT have more than 1000 items/],
        ['settings size', { id: 'r-big', action: 'configure', match: { tools: ['claude-code'] }, settings: { blob: 'x'.repeat(70_000) } }, /rules\[2\]\.settings: more than 65536 bytes of JSON/],
        ['settings keys', { id: 'r-keys', action: 'configure', match: { tools: ['claude-code'] }, settings: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, i])) }, /body\/rule\/settings must NOT have more than 200 properties/],
      ];
      for (const [what, rule, re] of tooBig) {
        r = await http(url, 'POST', '/api/v1/bans/rules', { token: editor, body: { rule, why: 'too big' } });
        assert.equal(r.status, 400, `${what}: ${r.text.slice(0, 200)}`);
        assert.match((r.body as { message: string }).message, re, what);
      }
      r = await http(url, 'PUT', '/api/v1/bans', { token: editor, body: { list: { ...EXAMPLE_LIST, message: 'm'.repeat(2001) }, why: 'too big' } });
      assert.equal(r.status, 400);
      assert.match((r.body as { message: string }).message, /body\/list\/message must NOT have more than 2000 characters/);

      // Nothing was stored or published by any of it.
      assert.equal((await http(url, 'GET', '/api/v1/bans', { token: editor })).text, before.bans);
      assert.equal(dist!.bundles.current()?.seq, before.seq);
      assert.equal((await f.store.banHistory()).length, before.history);
      assert.equal((await rollout(f)).stale, false);

      // A legitimate settings value at the limit is stored and published.
      r = await http(url, 'POST', '/api/v1/bans/rules', { token: editor, body: { rule: { ...deepRule, id: 'depth-29', settings: nest(29) }, why: 'managed settings at the depth limit' } });
      assert.equal(r.status, 201, r.text);
      assert.equal((r.body as { bundle: { state: string; seq: number } }).bundle.state, 'published');
      assert.ok(dist!.bundles.current()!.seq > before.seq!);
    } finally {
      await f.close();
    }
  });

  test(`[${kind.name}] a bundle build that fails after the change is stored (real database error) is in the reply, rollout status, metrics and audit log; the retry recovers${pgNote}`, async () => {
    let dist: BundleDistribution | undefined;
    const f = await startFleet(kind, {}, async (app) => (dist = await installBundleDistribution(app, { signingKey: generateSigningKey(), compile, retryMs: 150 })));
    try {
      const { url, tokens } = f;
      const editor = tokens['policy-editor'];
      const dev = await enroll(url, f.enrollSecret, 'rollout-host');
      const first = dist!.bundles.current()!;
      await http(url, 'POST', '/api/v1/agent/status', { token: dev.credential, body: { bundle_revision: first.revision, agent_version: '1', errors: [] } });
      let ro = await rollout(f);
      assert.equal(ro.stale, false);
      assert.equal(ro.build?.state, 'ok');
      assert.deepEqual(ro.devices, { active: 1, on_served_bundle: 1, behind: 0 });

      // The bundle table goes away (a real error from the real database on the insert).
      await f.store.driver.exec('ALTER TABLE signed_bundles RENAME TO signed_bundles_away');
      const r = await http(url, 'PUT', '/api/v1/bans', { token: editor, body: { list: EXAMPLE_LIST, why: 'ban Claude Code' } });
      assert.equal(r.status, 200, r.text);
      const reply = r.body as { revision: string; bundle: { state: string; error: string } };
      assert.equal(reply.bundle.state, 'failed', 'the publish reply says the bundle was not built');
      assert.match(reply.bundle.error, /signed_bundles/);

      ro = await rollout(f);
      assert.equal(ro.wanted_revision, reply.revision);
      assert.equal(ro.stale, true, 'agents are served a bundle without the current list');
      assert.equal(ro.bundle?.seq, first.seq);
      assert.equal(ro.build?.state, 'failed');
      assert.equal(ro.build?.revision, reply.revision);
      assert.match(ro.build?.error ?? '', /signed_bundles/);
      let m = await metrics(f);
      assert.match(m, /^warden_bundle_build_failing 1$/m);
      assert.match(m, /^warden_bundle_stale 1$/m);
      assert.match(m, /^warden_bundle_builds_total\{result="failed"\} [1-9]/m);
      const failed = (await audit(f)).find((e) => e.action === 'bundle.build_failed');
      assert.ok(failed, 'the audit log has the failure');
      assert.equal(failed.actor, 'user:policy-editor-user');
      assert.equal(failed.target, `bundle:${reply.revision}`);
      assert.match(String(failed.detail.error), /signed_bundles/);

      // The table comes back: the retry publishes the current list without anyone touching it.
      await f.store.driver.exec('ALTER TABLE signed_bundles_away RENAME TO signed_bundles');
      const deadline = Date.now() + 15_000;
      while (dist!.bundles.current()?.revision !== reply.revision && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      ro = await rollout(f);
      assert.equal(ro.stale, false, 'the retry built the bundle');
      assert.equal(ro.build?.state, 'ok');
      assert.deepEqual(ro.devices, { active: 1, on_served_bundle: 0, behind: 1 }, 'the device has not fetched it yet');
      m = await metrics(f);
      assert.match(m, /^warden_bundle_build_failing 0$/m);
      assert.match(m, /^warden_bundle_stale 0$/m);
      assert.ok((await audit(f)).some((e) => e.action === 'bundle.build_recovered' && e.target === `bundle:${reply.revision}`));
    } finally {
      await f.close();
    }
  });
}

test('a policy that does not compile (real compiler error): start-up failure is visible, and a publish call fails with the reason and stores nothing', async () => {
  const broken = compilerBundle({ modules: [{ file: 'policies/broken.rego', source: 'package warden\n\ndecisions := [d |\n' }], entrypoints: ['warden/decisions'] });
  const f = await startFleet(sqliteKind, {}, (app) => installBundleDistribution(app, { signingKey: generateSigningKey(), compile: broken, retryMs: 0 }));
  try {
    const { url, tokens } = f;
    // Start-up could not build a bundle: the rollout status, metrics and audit log say so.
    const ro = await rollout(f);
    assert.equal(ro.bundle, null);
    assert.equal(ro.stale, true);
    assert.equal(ro.build?.state, 'failed');
    assert.match(ro.build?.error ?? '', /policy does not compile: policies\/broken\.rego:\d+:\d+/);
    let m = await metrics(f);
    assert.match(m, /^warden_bundle_build_failing 1$/m);
    assert.ok((await audit(f)).some((e) => e.actor === 'system' && e.action === 'bundle.build_failed' && /broken\.rego/.test(String(e.detail.error))));

    // A ban change is built before it is stored: the call fails with the reason, nothing is stored.
    const r = await http(url, 'PUT', '/api/v1/bans', { token: tokens['policy-editor'], body: { list: EXAMPLE_LIST, why: 'ban Claude Code' } });
    assert.equal(r.status, 422, r.text);
    assert.equal((r.body as { error: string }).error, 'bundle_build_failed');
    assert.match((r.body as { message: string }).message, /not published \(nothing was changed\).*policy does not compile: policies\/broken\.rego:\d+:\d+/);
    assert.equal(((await http(url, 'GET', '/api/v1/bans', { token: tokens.auditor })).body as { ban_revision: number }).ban_revision, 0);
    assert.equal((await f.store.banHistory()).length, 0);
    assert.ok((await audit(f)).some((e) => e.actor === 'user:policy-editor-user' && e.action === 'ban.publish_refused'));
    m = await metrics(f);
    assert.match(m, /^warden_bundle_builds_total\{result="refused"\} 1$/m);
  } finally {
    await f.close();
  }
});
