// JSON parse/dump and the value model, through an echo policy in the SDK: odd strings, escapes,
// surrogates, key order, sets, exact numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IR, L, results, rawEval, type Policy } from '../emit/ir-builder.ts';

let echo: Policy | undefined;
async function echoPolicy(): Promise<Policy> {
  if (echo) return echo;
  const b = new IR();
  b.plan('t/echo', b.result(0));
  // Equality probes on exact numbers: input.a == input.b
  b.plan('t/eq', [
    { type: 'DotStmt', source: L(0), key: b.s('a'), target: 2 },
    { type: 'DotStmt', source: L(0), key: b.s('b'), target: 3 },
    { type: 'EqualStmt', a: L(2), b: L(3) },
    { type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: 4 },
    ...b.result(4),
  ]);
  // input as a set (via scan) to check set dump order and dedup
  b.plan('t/set', [
    { type: 'MakeSetStmt', target: 5 },
    { type: 'ScanStmt', source: 0, key: 6, value: 7, block: { stmts: [{ type: 'SetAddStmt', value: L(7), set: 5 }] } },
    ...b.result(5),
  ]);
  echo = await b.load();
  return echo;
}

test('strings round-trip: quotes, backslashes, control characters, NUL, unicode, surrogate pairs', async () => {
  const p = await echoPolicy();
  const odd = ['', 'a"b', 'back\\slash', 'nl\nrt\r\ttab', '\u0000nul\u0001\u001f', 'é漢字', '😀 emoji', '\u2028\u2029', '</script>', '\b\f'];
  for (const s of odd) assert.deepEqual(results(p.evaluate({ s })), [{ s }], JSON.stringify(s));
  // Escapes in the input text (not produced by JSON.stringify): \/ \u0041 and a surrogate pair.
  assert.equal(rawEval(p, '{"k\\u0041":"\\/x\\ud83d\\ude00"}'), '[{"result":{"kA":"/x😀"}}]');
  // Lone surrogates become U+FFFD rather than invalid UTF-8.
  assert.deepEqual(JSON.parse(rawEval(p, '["\\ud800", "\\udc00x"]')), [{ result: ['\ufffd', '\ufffdx'] }]);
  // Control characters are escaped in the dump, so the NUL cannot cut the output short.
  assert.equal(rawEval(p, '"a\\u0000b"'), '[{"result":"a\\u0000b"}]');
});

test('objects dump with sorted keys; duplicate keys keep the last; nested structures; sets dump sorted and deduplicated', async () => {
  const p = await echoPolicy();
  assert.equal(rawEval(p, '{"b":1,"a":{"z":[],"y":{}},"c":null,"a2":true,"b":2}'), '[{"result":{"a":{"y":{},"z":[]},"a2":true,"b":2,"c":null}}]');
  assert.equal(rawEval(p, '[3,"x",1,null,[1],{"a":1},false,3,true,"a",1.5]', 2),
    '[{"result":[null,false,true,1,1.5,3,"a","x",[1],{"a":1}]}]');
  const big = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${(i * 7919) % 2000}`, i]));
  const out = results(p.evaluate(big))[0] as Record<string, number>;
  assert.deepEqual(Object.keys(out), Object.keys(big).sort());
  assert.equal(out['k0'], big['k0']);
});

test('invalid JSON input is rejected with an abort, and the instance keeps working', async () => {
  const p = await echoPolicy();
  for (const bad of ['{', '[1,]', '{"a"}', 'tru', '01', '1.', '"\u0001"', '{"a":1}x', '"\\x"']) {
    assert.throws(() => rawEval(p, bad), /invalid input json/, bad);
  }
  assert.deepEqual(results(p.evaluate({ ok: 1 })), [{ ok: 1 }]);
});

test('numbers stay exact: big integers, precise decimals, 1e400, 5e-324, -0', async () => {
  const p = await echoPolicy();
  assert.equal(rawEval(p, '123456789012345678901234567890'), '[{"result":123456789012345678901234567890}]');
  assert.equal(rawEval(p, '[9007199254740993, 0.1, 1e400, 5e-324, -0, 1.50, -12]'), '[{"result":[9007199254740993,0.1,1e400,5e-324,0,1.50,-12]}]', '-0 is the integer 0');
  const eq = (a: string, b: string): boolean => JSON.parse(rawEval(p, `{"a":${a},"b":${b}}`, 1)).length === 1;
  assert.equal(eq('9007199254740993', '9007199254740993'), true);
  assert.equal(eq('9007199254740993', '9007199254740992'), false, 'doubles would call these equal');
  assert.equal(eq('123456789012345678901234567890', '123456789012345678901234567891'), false);
  assert.equal(eq('1', '1.0'), true);
  assert.equal(eq('100', '1e2'), true);
  assert.equal(eq('0.1', '0.10'), true);
  assert.equal(eq('0.1', '0.1000000000000000000001'), false);
  assert.equal(eq('1e400', '1e400'), true);
  assert.equal(eq('1e400', '2e400'), false);
  assert.equal(eq('5e-324', '0'), false);
  assert.equal(eq('-0', '0'), true);
  assert.equal(eq('1', '"1"'), false);
});

test('numbers order exactly inside sets', async () => {
  const p = await echoPolicy();
  assert.equal(rawEval(p, '[9007199254740993, 9007199254740992, 1e400, -1e400, 0.5, 1, 1.0, 0.49999999999999999999]', 2),
    '[{"result":[-1e400,0.49999999999999999999,0.5,1,9007199254740992,9007199254740993,1e400]}]');
});

test('opa_value_parse / opa_value_dump speak Rego syntax: sets as {…} and set()', async () => {
  const p = await echoPolicy();
  const inst = (p.wasmInstance as { exports?: Record<string, unknown> }).exports ?? {};
  const mem = p.mem as unknown as { buffer: ArrayBuffer };
  const call = (name: string, ...args: number[]): number => (inst[name] as (...a: number[]) => number)(...args);
  const roundTrip = (text: string): string => {
    const bytes = new TextEncoder().encode(text);
    const at = call('opa_malloc', bytes.length);
    new Uint8Array(mem.buffer).set(bytes, at);
    const v = call('opa_value_parse', at, bytes.length);
    if (v === 0) return '<invalid>';
    const out = call('opa_value_dump', v);
    const buf = new Uint8Array(mem.buffer);
    let end = out;
    while (buf[end] !== 0) end++;
    return new TextDecoder().decode(buf.subarray(out, end));
  };
  assert.equal(roundTrip('{3, 1, "a", 1}'), '{1,3,"a"}');
  assert.equal(roundTrip('{"k": set(), "j": {1: 2}}'), '{"j":{1:2},"k":set()}');
  assert.equal(roundTrip('[{}, set()]'), '[{},set()]');
  assert.equal(roundTrip('{1, '), '<invalid>');
  assert.deepEqual(results(p.evaluate({ still: 'works' })), [{ still: 'works' }]);
});
