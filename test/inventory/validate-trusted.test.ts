// wire/src/validate-trusted.ts checks the catalog and the inventory with TypeBox's compiled checker
// instead of ajv (a fraction of the memory: bench/inventory.ts). It must refuse exactly what ajv
// (wire/src/validate.ts) refuses, with ajv's message: checked on seeded random corruptions of the
// shipped catalog and of a real scan's inventory, and on the cases TypeBox alone would get wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { loadCatalog, parseCatalog } from '../../agent/src/catalog/load.ts';
import { createDemoRoot } from '../../agent/src/demo-root.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { Catalog } from '../../wire/src/catalog.ts';
import { Decisions } from '../../wire/src/decision.ts';
import { Inventory } from '../../wire/src/inventory.ts';
import { PolicyInput } from '../../wire/src/policy-input.ts';
import { buildPolicyInput } from '../../agent/src/policy/input.ts';
import { validate, ValidationError } from '../../wire/src/validate.ts';
import { validateTrusted } from '../../wire/src/validate-trusted.ts';
import { mulberry32 } from '../support/prng.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Paths to every node of a JSON value (objects and arrays included). */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

const REPLACEMENTS: Json[] = [null, 0, -1, 1.5, '', 'x', 'NOT-A-DATE', '2026-13-45T99:00:00Z', true, [], {}, ['x'], { x: 1 }];

/** One seeded corruption: replace, delete or add a property / item somewhere in the value. */
function corrupt(value: Json, rnd: () => number): Json {
  const v = structuredClone(value);
  const all = paths(v);
  const path = all[1 + Math.floor(rnd() * (all.length - 1))]!;
  let parent: Json = v;
  for (const k of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k]!;
  const key = path.at(-1)!;
  const kind = rnd();
  const p = parent as Record<string | number, Json>;
  if (kind < 0.6) p[key] = REPLACEMENTS[Math.floor(rnd() * REPLACEMENTS.length)]!;
  else if (kind < 0.8) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete p[key];
  } else if (Array.isArray(parent)) parent.push(REPLACEMENTS[Math.floor(rnd() * REPLACEMENTS.length)]!);
  else p.unexpected_property = 1;
  return v;
}

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'accepted';
  } catch (e) {
    assert.ok(e instanceof ValidationError, `a ValidationError, got ${String(e)}`);
    return e.message;
  }
}

function agreeOnCorruptions(schema: typeof Catalog | typeof Inventory | typeof PolicyInput, value: Json, seed: number, n: number): { refused: number } {
  const rnd = mulberry32(seed);
  let refused = 0;
  for (let i = 0; i < n; i++) {
    const bad = corrupt(value, rnd);
    const ajv = outcome(() => validate(schema, bad, 'value'));
    const trusted = outcome(() => validateTrusted(schema, bad, 'value'));
    assert.equal(trusted, ajv, `corruption #${i} (seed ${seed}): validate-trusted and ajv disagree`);
    if (ajv !== 'accepted') refused++;
  }
  return { refused };
}

test('the catalog: validate-trusted refuses exactly what ajv refuses, with the same message', () => {
  const catalog = loadCatalog() as unknown as Json;
  assert.equal(outcome(() => validateTrusted(Catalog, catalog, 'catalog')), 'accepted');
  const { refused } = agreeOnCorruptions(Catalog, catalog, 17, 400);
  assert.ok(refused > 200, `most corruptions are refused (${refused} of 400)`);
  // Through the agent's loader: same error, naming the catalog.
  const noTools = { ...(catalog as Record<string, Json>) };
  delete noTools.tools;
  assert.throws(() => parseCatalog(noTools, 'catalog X'), /^ValidationError: invalid catalog X: \(root\) must have required property 'tools'$/);
});

test("the inventory and the policy input: validate-trusted refuses exactly what ajv refuses, scanned_at's date-time format included", async () => {
  const root = mkdtempSync(join(tmpdir(), 'warden-trusted-'));
  try {
    createDemoRoot(root, 'linux');
    const inv = (await scanInventory({ root, os: 'linux', processes: false })) as unknown as Json;
    assert.ok((inv as { findings: Json[] }).findings.length > 0);
    agreeOnCorruptions(Inventory, inv, 5, 300);
    // The policy input the agent builds from it (agent/src/policy/input.ts checks it the same way).
    const input = buildPolicyInput(inv as never, { id: 'dev-1', groups: ['eng'], userGroups: {} }, new Date(), []) as unknown as Json;
    agreeOnCorruptions(PolicyInput, input, 9, 200);
    const badDate = { ...(inv as Record<string, Json>), scanned_at: '2026-02-30T10:00:00Z' };
    assert.throws(() => validateTrusted(Inventory, badDate, 'inventory'), /^ValidationError: invalid inventory: \/scanned_at must match format "date-time"$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('what TypeBox alone cannot check goes to ajv: a format it does not know, a Type.Unsafe schema', () => {
  // ajv (strict: false) ignores the unknown format 'pem'; TypeBox would refuse it.
  assert.deepEqual(validateTrusted(Type.Object({ key: Type.String({ format: 'pem' }) }), { key: 'anything' }, 'key'), { key: 'anything' });
  // Decisions' action is a Type.Unsafe enum: checked by ajv, refused with its message.
  const ok = [{ finding: 'f1', tool: 'claude-code', action: 'block', reason: 'banned', message: '', alternative: '', rule: 'r', grace_until: null, monitor: false, settings: null }];
  assert.equal(outcome(() => validateTrusted(Decisions, ok, 'decisions')), 'accepted');
  const bad = [{ ...ok[0], action: 'explode' }];
  assert.match(outcome(() => validateTrusted(Decisions, bad, 'decisions')), /^invalid decisions: \/0\/action must be equal to one of the allowed values/);
});
