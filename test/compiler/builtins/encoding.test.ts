import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/encoding.ts');
});
const err = (x: unknown): string => String((x as { error?: string }).error);

test('base64 / base64url agree with Node Buffer', () => {
  for (const s of ['', 'h', 'he', 'hel', 'hello', 'subjects?_d', 'åäö ~~~ ???', '\u0000\u00ff']) {
    const std = Buffer.from(s).toString('base64');
    const url = Buffer.from(s).toString('base64url');
    assert.equal(b.call('base64.encode', s), std);
    assert.equal(b.call('base64.decode', std), s);
    assert.equal(b.call('base64.is_valid', std), true);
    assert.equal(b.call('base64url.encode_no_pad', s), url);
    assert.equal(b.call('base64url.encode', s), url + '='.repeat((4 - (url.length % 4)) % 4));
    assert.equal(b.call('base64url.decode', url), s);
  }
  assert.equal(b.call('base64.is_valid', "{'not':'base64'}"), false);
  assert.equal(b.call('base64.is_valid', 'aGVsbG8'), false, 'std decoding requires padding');
  assert.equal(b.call('base64.decode', 'a==='), undefined);
  assert.equal(b.call('base64url.decode', 'aGVsbG8='), 'hello');
});

test('hex', () => {
  assert.equal(b.call('hex.encode', 'lorem ipsum'), '6c6f72656d20697073756d');
  assert.equal(b.call('hex.decode', '6c6f72656D20697073756d'), 'lorem ipsum');
  assert.equal(b.call('hex.decode', 'fghijkl'), undefined);
  assert.match(err(b.strict('hex.decode', 'fghijkl')), /invalid byte: U\+0067 'g'/);
  assert.match(err(b.strict('hex.decode', 'abc')), /odd length hex string/);
});

test('urlquery', () => {
  assert.equal(b.call('urlquery.encode', 'a=b+1'), 'a%3Db%2B1');
  assert.equal(b.call('urlquery.encode', 'a b~é'), 'a+b~%C3%A9');
  assert.equal(b.call('urlquery.decode', 'a%3Db%2B1+x'), 'a=b+1 x');
  assert.equal(b.call('urlquery.decode', '%zz'), undefined);
  assert.equal(b.call('urlquery.encode_object', {}), '');
  assert.equal(b.call('urlquery.encode_object', { c: 'd', a: 'b' }), 'a=b&c=d');
  assert.equal(b.call('urlquery.encode_object', { a: ['b+1', 'c+2'] }), 'a=b%2B1&a=c%2B2');
  assert.deepEqual(b.call('urlquery.decode_object', 'a=value_a1&b=value_b&a=value_a2'), { a: ['value_a1', 'value_a2'], b: ['value_b'] });
  assert.deepEqual(b.call('urlquery.decode_object', 'a=value_a1&b'), { a: ['value_a1'], b: [''] });
  assert.deepEqual(b.call('urlquery.decode_object', ''), {});
});

test('json.marshal / unmarshal / is_valid', () => {
  assert.equal(b.call('json.marshal', [{ foo: [1, 2, 3] }]), '[{"foo":[1,2,3]}]');
  assert.equal(b.call('json.marshal', { b: 1, a: 'x"y' }), '{"a":"x\\"y","b":1}');
  assert.deepEqual(b.call('json.unmarshal', '[{"foo":[1,2,3]}]'), [{ foo: [1, 2, 3] }]);
  assert.equal(b.call('json.unmarshal', '{'), undefined);
  assert.equal(b.call('json.is_valid', '{"json": "ok"}'), true);
  assert.equal(b.call('json.is_valid', 'plainstring'), false);
  assert.equal(b.call('json.is_valid', 1), false);
});

test('json.marshal_with_options: compact or Go MarshalIndent layout', () => {
  const x = [1234567890, 2000000, 1000000000];
  assert.equal(b.call('json.marshal_with_options', x, {}), '[1234567890,2000000,1000000000]');
  assert.equal(b.call('json.marshal_with_options', x, { pretty: true }), '[\n\t1234567890,\n\t2000000,\n\t1000000000\n]');
  assert.equal(b.call('json.marshal_with_options', x, { indent: '  ' }), '[\n  1234567890,\n  2000000,\n  1000000000\n]');
  assert.equal(b.call('json.marshal_with_options', x, { pretty: false, prefix: 'NO!', indent: 'BAD!' }), '[1234567890,2000000,1000000000]');
  assert.equal(b.call('json.marshal_with_options', { foo: 'b,a:r', bar: { x: [] } }, { prefix: '> ' }), '> {\n> \t"bar": {\n> \t\t"x": []\n> \t},\n> \t"foo": "b,a:r"\n> }');
  assert.equal(b.call('json.marshal_with_options', [], { indent: '    ', prefix: '---' }), '---[]');
  assert.equal(b.call('json.marshal_with_options', [], { lottery: true }), undefined);
  // OPA: an unknown option is a type error of operand 2.
  assert.match(err(b.strict('json.marshal_with_options', [], { lottery: true })), /eval_type_error: json.marshal_with_options: object contained unknown key "lottery"$/);
});
