import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/strings2.ts');
});
const err = (x: unknown): string => String((x as { error?: string }).error);

test('indexof / indexof_n count code points', () => {
  assert.equal(b.call('indexof', 'abcabcabcdefgh', 'cde'), 8);
  assert.equal(b.call('indexof', 'abcdefgh', 'xyz'), -1);
  assert.equal(b.call('indexof', 'skön var våren', 'vår'), 9);
  assert.equal(b.call('indexof', '🍧🍨🧁🍰🍮', '🍮'), 4);
  assert.equal(b.call('indexof', 'μ', 'μμ'), -1);
  assert.equal(b.call('indexof', '', ''), -1);
  assert.deepEqual(b.call('indexof_n', 'dogcatdogcat', 'cat'), [3, 9]);
  assert.deepEqual(b.call('indexof_n', '😇😀😇😀😇😀', '😀'), [1, 3, 5]);
  assert.deepEqual(b.call('indexof_n', 'aaa', 'aa'), [0, 1]);
  assert.deepEqual(b.call('indexof_n', 'dogcat', 'rabbit'), []);
});

test('substring', () => {
  assert.equal(b.call('substring', 'abcdefgh', 2, 3), 'cde');
  assert.equal(b.call('substring', 'åäö', 0, 2), 'åä');
  assert.equal(b.call('substring', 'aåäö', 2, -1), 'äö');
  assert.equal(b.call('substring', 'abcdefghåäö', 2, 10000), 'cdefghåäö');
  assert.equal(b.call('substring', 'åäö', 3, -1), '');
  assert.equal(b.call('substring', 'aaa', 4, -1), '');
  assert.equal(b.call('substring', 'aaa', -1, -1), undefined);
  assert.match(err(b.strict('substring', 'aaa', -1, -1)), /negative offset/);
});

test('strings.count', () => {
  assert.equal(b.call('strings.count', 'cheese', 'e'), 3);
  assert.equal(b.call('strings.count', '11111', '11'), 2);
  assert.equal(b.call('strings.count', 'dummy', ''), 6);
  assert.equal(b.call('strings.count', '', ''), 1);
});

test('strings.any_prefix_match / any_suffix_match', () => {
  assert.equal(b.call('strings.any_prefix_match', ['aaa', 'bbb'], ['b']), true);
  assert.equal(b.call('strings.any_prefix_match', 'aaa', ['x', 'a']), true);
  assert.equal(b.call('strings.any_prefix_match', ['aaa'], 'b'), false);
  assert.equal(b.call('strings.any_suffix_match', ['foo.com'], ['.com']), true);
  assert.equal(b.call('strings.any_prefix_match', ['a', 1], 'a'), undefined);
  // OPA: an operand error (builtins.NewOperandElementErr) is a type error.
  assert.match(err(b.strict('strings.any_prefix_match', ['a', 1], 'a')), /eval_type_error: strings.any_prefix_match: operand 1 must be array of strings but got array containing number/);
  assert.match(err(b.strict('strings.any_suffix_match', 'a', ['a', 2])), /eval_type_error: strings.any_suffix_match: operand 2 must be array of strings but got array containing number/);
  assert.match(err(b.strict('strings.any_suffix_match', 'a', 2)), /operand 2 must be one of \{string, set, array\} but got number/);
});

test('trim family', () => {
  assert.equal(b.call('trim', '  xxhixx ', ' x'), 'hi');
  assert.equal(b.call('trim_left', 'ååhå', 'å'), 'hå');
  assert.equal(b.call('trim_right', 'ååhå', 'å'), 'ååh');
  assert.equal(b.call('trim_prefix', 'foo.bar', 'foo.'), 'bar');
  assert.equal(b.call('trim_prefix', 'foo.bar', 'x'), 'foo.bar');
  assert.equal(b.call('trim_suffix', 'foo.bar', '.bar'), 'foo');
  assert.equal(b.call('trim_space', ' \t\n hi \u00a0\u3000'), 'hi');
  assert.equal(b.call('trim', 'aaa', 'a'), '');
});

test('format_int', () => {
  assert.equal(b.call('format_int', 15.5, 16), 'f');
  assert.equal(b.call('format_int', -15.5, 2), '-1111');
  assert.equal(b.call('format_int', 0, 8), '0');
  assert.equal(b.call('format_int', 255, 10), '255');
  assert.equal(b.call('format_int', 4.1, 199), undefined);
  assert.match(err(b.strict('format_int', 4.1, 199)), /operand 2 must be one of \{2, 8, 10, 16\}/);
});
