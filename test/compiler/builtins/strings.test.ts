import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/strings.ts');
});

test('concat joins arrays and sets of strings; non-strings are undefined/errors', () => {
  assert.equal(b.call('concat', '/', ['', 'foo', 'bar', '0', 'baz']), '/foo/bar/0/baz');
  assert.equal(b.call('concat', ',', []), '');
  assert.equal(b.call('concat', ',', ['a', 1]), undefined);
  assert.match(String((b.strict('concat', ',', ['a', 1]) as { error: string }).error), /concat: operand 2 must be array of strings/);
});

test('contains / startswith / endswith', () => {
  assert.equal(b.call('contains', 'abc', 'bc'), true);
  assert.equal(b.call('contains', 'abc', ''), true);
  assert.equal(b.call('contains', 'abc', 'x'), false);
  assert.equal(b.call('startswith', 'abc', 'ab'), true);
  assert.equal(b.call('startswith', 'ab', 'abc'), false);
  assert.equal(b.call('endswith', 'abc', 'bc'), true);
  assert.equal(b.call('endswith', 'abc', 1), undefined);
});

test('lower / upper are Unicode-aware', () => {
  assert.equal(b.call('lower', 'AbC ÅÄÖ ΣΑ'), 'abc åäö σα');
  assert.equal(b.call('upper', 'abc åäö straße'), 'ABC ÅÄÖ STRAßE');
  assert.equal(b.call('lower', 'ὈΔΥΣΣΕΎΣ \u2C6F İ ǅ Ꙁ Ａ 𐐀'), 'ὀδυσσεύσ ɐ i ǆ ꙁ ａ 𐐨', 'Go simple mapping: no final-sigma rule');
  assert.equal(b.call('upper', 'ǅ ı ſ ꙁ ａ 𐐨'), 'Ǆ I S Ꙁ Ａ 𐐀');
});

test('split follows Go strings.Split', () => {
  assert.deepEqual(b.call('split', 'a,b,,c', ','), ['a', 'b', '', 'c']);
  assert.deepEqual(b.call('split', '', ','), ['']);
  assert.deepEqual(b.call('split', 'aé', ''), ['a', 'é']);
  assert.deepEqual(b.call('split', 'a::b', '::'), ['a', 'b']);
});

test('replace and strings.replace_n', () => {
  assert.equal(b.call('replace', 'foo.bar.baz', '.', '/'), 'foo/bar/baz');
  assert.equal(b.call('replace', 'ab', '', '-'), '-a-b-');
  assert.equal(b.call('strings.replace_n', { '<': '&lt;', '>': '&gt;' }, 'This is <b>HTML</b>!'), 'This is &lt;b&gt;HTML&lt;/b&gt;!');
  assert.equal(b.call('strings.replace_n', { f: 'x', foo: 'xxx' }, 'foobar'), 'xoobar');
  assert.equal(b.call('strings.replace_n', { old1: 'new1' }, 'Everything is new1'), 'Everything is new1');
  assert.match(String((b.strict('strings.replace_n', { foo: 1 }, 'foo') as { error: string }).error), /non-string value found in pattern object/);
  assert.match(String((b.strict('strings.replace_n', { foo: 'baz' }, 1) as { error: string }).error), /operand 2 must be string but got number/);
});

test('strings.reverse reverses code points', () => {
  assert.equal(b.call('strings.reverse', 'abc'), 'cba');
  assert.equal(b.call('strings.reverse', 'åäö😀'), '😀öäå');
  assert.match(String((b.strict('strings.reverse', 1) as { error: string }).error), /reverse: operand 1 must be string but got number/);
});
