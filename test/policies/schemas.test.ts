// The JSON Schema files in wire/schemas/ are up to date with the TypeBox sources, and work on their
// own (a fresh Ajv, no TypeBox): the example ban list passes, broken ones fail with the field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { SCHEMA_FILES, schemaText } from '../../scripts/wire-schemas.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ROOT = join(import.meta.dirname, '..', '..');

test('wire/schemas/*.schema.json match the TypeBox schemas (run: npx tsx scripts/wire-schemas.ts)', () => {
  for (const [name, schema] of Object.entries(SCHEMA_FILES)) {
    assert.equal(readFileSync(join(ROOT, 'wire', 'schemas', name), 'utf8'), schemaText(name, schema), `${name} is out of date`);
  }
});

test('the ban list JSON Schema file validates every example and rejects broken lists', () => {
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  const check = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'wire', 'schemas', 'banlist.schema.json'), 'utf8')) as object);
  const examples = readdirSync(join(ROOT, 'policies', 'examples')).filter((f) => f.endsWith('.json'));
  assert.ok(examples.includes('ban-claude-code.json'));
  for (const f of examples) {
    const doc: unknown = JSON.parse(readFileSync(join(ROOT, 'policies', 'examples', f), 'utf8'));
    assert.equal(check(doc), true, `${f}: ${JSON.stringify(check.errors)}`);
  }
  const example: unknown = JSON.parse(readFileSync(join(ROOT, 'policies', 'examples', 'ban-claude-code.json'), 'utf8'));
  const base = example as Record<string, unknown>;
  const broken = [
    { ...base, mode: 'audit' },
    { ...base, rules: [{ id: 'r', action: 'block', match: { version: { lt: '2.0' } } }] },
    { ...base, rules: [{ id: 'r', action: 'block', match: {}, grace_until: '2026-06-01 00:00' }] },
    { ...base, exceptions: [{ id: 'e', tool: 'claude-code', expires: '2026-06-01T00:00:00Z' }] },
    { ...base, rules: [{ id: 'r', action: 'block', match: { tools: [] } }] },
  ];
  for (const b of broken) assert.equal(check(b), false, JSON.stringify(b));
});
