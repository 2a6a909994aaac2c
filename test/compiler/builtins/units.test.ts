import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/units.ts');
});
const err = (x: unknown): string => String((x as { error?: string }).error);

/** Dumped JSON text of a result, to check exactness beyond doubles. */
function text(name: string, s: string): string {
  b.lib.reset();
  const [p, n] = b.lib.put(JSON.stringify(s));
  const v = b.lib.fn('opa_json_parse')(p, n);
  const r = b.lib.fn(`opa_builtin_${name.replace('.', '_')}`)(v);
  if (r === 0) return 'undefined';
  const d = b.lib.fn('opa_json_dump')(r);
  const mem = new Uint8Array(b.lib.memory.buffer);
  let e = d;
  while (mem[e] !== 0) e++;
  return new TextDecoder().decode(mem.slice(d, e));
}

test('units.parse: SI, binary, milli, scientific notation, exact decimals', () => {
  const cases: [string, string][] = [
    ['500m', '0.5'], ['0.0005K', '0.5'], ['0.0000005M', '0.5'], ['1024', '1024'], ['1Ki', '1024'],
    ['1.1Ki', '1126.4'], ['10KI', '10240'], ['100mi', '104857600'], ['10Ei', '11529215046068469760'],
    ['10e', '10000000000000000000'], ['10E', '10000000000000000000'], ['1e10', '10000000000'], ['3.2E4', '32000'],
    ['2.5e3K', '2500000'], ['1e-2', '0.01'], ['7.8E-1', '0.78'], ['-3.5E2m', '-0.35'], ['"100TI"', '109951162777600'],
    ['.0', '0'], ['0.0', '0'], ['1G', '1000000000'], ['.5K', '500'],
  ];
  for (const [s, want] of cases) assert.equal(text('units.parse', s), want, s);
});

test('units.parse_bytes: case-insensitive, optional b, truncated', () => {
  const cases: [string, string][] = [
    ['8kb', '8000'], ['1KiB', '1024'], ['2Mi', '2097152'], ['1.1KiB', '1126'], ['1.1KB', '1100'], ['10Kib', '10240'],
    ['"100TIB"', '109951162777600'], ['100pib', '112589990684262400'], ['10eib', '11529215046068469760'],
    ['1e3KB', '1000000'], ['3.2E2MiB', '335544320'], ['1e-2KB', '10'], ['5e6', '5000000'], ['12345', '12345'], ['.0', '0'],
  ];
  for (const [s, want] of cases) assert.equal(text('units.parse_bytes', s), want, s);
});

test('units errors', () => {
  assert.match(err(b.strict('units.parse_bytes', '')), /units.parse_bytes: no byte amount provided/);
  assert.match(err(b.strict('units.parse_bytes', 'GB')), /no byte amount provided/);
  assert.match(err(b.strict('units.parse_bytes', '0.0.0')), /could not parse byte amount to a number/);
  assert.match(err(b.strict('units.parse_bytes', '100 kb')), /spaces not allowed in resource strings/);
  assert.match(err(b.strict('units.parse', 'foo')), /units.parse: no amount provided/);
  assert.match(err(b.strict('units.parse', '.5.2')), /could not parse amount to a number/);
  assert.notEqual(b.call('units.parse', '5E'), 5);
  assert.equal(b.call('units.parse', '5x'), undefined);
});
