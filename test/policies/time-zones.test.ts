// Time zones beyond the policy runtime's own table (UTC, fixed offsets, a few EU/US zones): OPA's
// time.date / clock / weekday / format / diff accept any IANA zone (Go's tzdata), so a policy
// compiled for a warden host asks the host (warden.tz_offset, from Node's zoneinfo) — southern
// hemisphere daylight saving, half-hour zones, historical offsets. An unknown zone stays OPA's
// error; compiled without the host, a zone missing from the table is unknown as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, formatDiagnostic } from '../../compiler/src/index.ts';
import { HOST_BUILTIN_NAMES, loadHostedPolicy } from '../../agent/src/policy/host-builtins/index.ts';
import { tzOffset } from '../../agent/src/policy/host-builtins/tz.ts';

const SOURCE = `package t
at := [input.ns, input.zone]
date := time.date(at)
clock := time.clock(at)
weekday := time.weekday(at)
formatted := time.format([input.ns, input.zone, "2006-01-02T15:04:05Z07:00"])
abbr := time.format([input.ns, input.zone, "MST"])
`;
const ENTRYPOINTS = ['t/date', 't/clock', 't/weekday', 't/formatted', 't/abbr'];
const ns = (iso: string): number => Date.parse(iso) * 1e6;

async function load(externals: boolean, builtinErrors: 'opa' | 'strict' = 'opa') {
  const r = await compile({ modules: [{ file: 't.rego', source: SOURCE }], entrypoints: ENTRYPOINTS, builtinErrors, ...(externals ? { externalBuiltins: [...HOST_BUILTIN_NAMES] } : {}) });
  assert.ok(r.wasm, r.diagnostics.map(formatDiagnostic).join('\n'));
  const p = await loadHostedPolicy(r.wasm);
  p.setData({});
  return (entry: string, input: object): unknown => (p.evaluate(input, entry) as { result: unknown }[])[0]?.result;
}

test('the host offset: zoneinfo with history, case-sensitive names as Go', () => {
  assert.equal(tzOffset('Asia/Kolkata', Date.parse('2024-07-01T00:00:00Z') / 1000), 19800);
  assert.equal(tzOffset('Australia/Sydney', Date.parse('2024-01-15T00:00:00Z') / 1000), 39600, 'AEDT in January');
  assert.equal(tzOffset('Australia/Sydney', Date.parse('2024-07-01T00:00:00Z') / 1000), 36000, 'AEST in July');
  assert.equal(tzOffset('Asia/Kolkata', -2e10), 21208, 'local mean time before standard time (+5:53:28)');
  for (const z of ['asia/kolkata', 'ASIA/KOLKATA', 'Asia/kolkata', 'europe/berlin']) assert.equal(tzOffset(z, 0), undefined, `${z}: Go looks zones up case-sensitively`);
  for (const z of ['US/Eastern', 'Etc/GMT+5', 'EST5EDT', 'America/Port-au-Prince', 'America/Argentina/Buenos_Aires', 'Asia/Calcutta']) assert.equal(typeof tzOffset(z, 0), 'number', z);
  assert.equal(tzOffset('Mars/Base', 0), undefined);
  assert.equal(tzOffset('../etc/passwd', 0), undefined, 'not a zone name');
});

test('any IANA zone through a compiled policy; an unknown one is undefined, or the error in strict mode', async () => {
  const [run, strict, vanilla] = await Promise.all([load(true), load(true, 'strict'), load(false)]);
  const kathmandu = { ns: ns('2024-07-01T00:00:00Z'), zone: 'Asia/Kathmandu' };
  assert.deepEqual(run('t/clock', kathmandu), [5, 45, 0]);
  assert.equal(run('t/formatted', kathmandu), '2024-07-01T05:45:00+05:45');
  // Southern hemisphere summer time: Sydney is UTC+11 in January.
  const sydney = { ns: ns('2024-01-15T00:00:00Z'), zone: 'Australia/Sydney' };
  assert.deepEqual(run('t/clock', sydney), [11, 0, 0]);
  // Santiago at UTC-3 in January: still the 14th, a Sunday.
  const santiago = { ns: ns('2024-01-15T02:00:00Z'), zone: 'America/Santiago' };
  assert.deepEqual(run('t/date', santiago), [2024, 1, 14]);
  assert.equal(run('t/weekday', santiago), 'Sunday');
  // A host zone's abbreviation is its offset as tzdata writes one without letters (Go prints those).
  assert.equal(run('t/abbr', kathmandu), '+0545');
  assert.equal(run('t/abbr', { ns: ns('2024-07-01T00:00:00Z'), zone: 'America/Bogota' }), '-05');
  // Zones of the runtime's own table answer as before.
  assert.deepEqual(run('t/clock', { ns: ns('2023-07-01T00:00:00Z'), zone: 'Europe/Berlin' }), [2, 0, 0]);

  const mars = { ns: 0, zone: 'Mars/Base' };
  assert.equal(run('t/date', mars), undefined);
  // The SDK throws the runtime's abort message as a string.
  assert.throws(() => strict('t/date', mars), (e: unknown) => e === 't.rego:3:9: eval_builtin_error: time.date: unknown time zone Mars/Base');
  // Without the host (a module compiled for the plain SDK), only the table's zones are known.
  assert.equal(vanilla('t/date', kathmandu), undefined);
  assert.deepEqual(vanilla('t/clock', { ns: ns('2023-07-01T00:00:00Z'), zone: 'Europe/Berlin' }), [2, 0, 0]);
});
