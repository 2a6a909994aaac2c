// sprintf with Go fmt semantics as OPA applies them (expected strings are Go's output).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/sprintf.ts');
});

/** Args go through JSON text so big/float literals stay as written. */
function sp(format: string, argsJson: string): string {
  const lib = b.lib;
  lib.reset();
  const [fp, fn] = lib.put(JSON.stringify(format));
  const [ap, an] = lib.put(argsJson);
  const r = lib.fn('opa_builtin_sprintf')(lib.fn('opa_json_parse')(fp, fn), lib.fn('opa_json_parse')(ap, an));
  const d = lib.fn('opa_json_dump')(r);
  const mem = new Uint8Array(lib.memory.buffer);
  let e = d;
  while (mem[e] !== 0) e++;
  return JSON.parse(new TextDecoder().decode(mem.slice(d, e))) as string;
}

test('integers, strings, widths and flags', () => {
  assert.equal(sp('hi', '[]'), 'hi');
  assert.equal(sp('hi %s', '["there"]'), 'hi there');
  assert.equal(sp('hi %02d', '[5]'), 'hi 05');
  assert.equal(sp('hi %02X.%02X', '[127, 1]'), 'hi 7F.01');
  assert.equal(sp('%5d|%-5d|%05d|%+d', '[42, 42, 42, 5]'), '   42|42   |00042|+5');
  assert.equal(sp('%x %o %b %#x %X', '[255, 64, 15, 255, 255]'), 'ff 100 1111 0xff FF');
  assert.equal(sp('%d', '[-12]'), '-12');
  assert.equal(sp('%s', '[123456789123456789123]'), '123456789123456789123');
  assert.equal(sp('%.3s|%6s|%-6s|', '["abcdef", "ab", "åb"]'), 'abc|    ab|åb    |');
  assert.equal(sp('%x %q', '["hi", "a\\"b"]'), '6869 "a\\"b"');
  assert.equal(sp('100%%', '[]'), '100%');
});

test('floats use the exact binary value, rounded half to even', () => {
  assert.equal(sp('hi %.2f', '[3.1415]'), 'hi 3.14');
  assert.equal(sp('%.2f %.3f', '[2.675, 2.675]'), '2.67 2.675');
  assert.equal(sp('%f', '[3.14]'), '3.140000');
  assert.equal(sp('%8.3f|', '[3.14159]'), '   3.142|');
  assert.equal(sp('%e %E', '[123456.789, 0.000123]'), '1.234568e+05 1.230000E-04');
  assert.equal(sp('%g %g %.3g', '[0.00001234, 100000.5, 3.14159]'), '1.234e-05 100000.5 3.14');
  assert.equal(sp('%v %v %v', '[1234567.5, 0.5, 3.14]'), '1.2345675e+06 0.5 3.14');
  assert.equal(sp('hi %v', '[2e308]'), 'hi 2e308');
});

test('other values print as Rego text; mismatches print like Go', () => {
  assert.equal(sp('hi %s', '[true]'), 'hi true');
  assert.equal(sp('hi %v', '[["there", 5, 3.14]]'), 'hi ["there", 5, 3.14]');
  assert.equal(sp('Value: %v', '[{"key": "value", "n": null}]'), 'Value: {"key": "value", "n": null}');
  assert.equal(sp('%d', '[3.5]'), '%!d(float64=3.5)');
  assert.equal(sp('Value: %s %d', '["only_one"]'), 'Value: only_one %!d(MISSING)');
  assert.equal(sp('%s', '["a", "b"]'), 'a%!(EXTRA string=b)');
  assert.equal(sp('x %', '[]'), 'x %!(NOVERB)');
});
