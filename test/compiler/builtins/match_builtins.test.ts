// regex.*, glob.*, semver.* builtins at value level (cases from OPA's conformance corpus and more).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/match.ts');
});
const err = (x: unknown): string => String((x as { error?: string }).error);

test('regex.match / is_valid', () => {
  assert.equal(b.call('regex.match', '^[a-z]+\\[[0-9]+\\]$', 'foo[1]'), true);
  assert.equal(b.call('regex.match', '^$', 'something'), false);
  assert.equal(b.call('regex.match', '$^[[[', 'something'), undefined);
  assert.match(err(b.strict('regex.match', '[', 'x')), /regex.match: error parsing regexp: missing closing \]/);
  assert.equal(b.call('regex.is_valid', '.*'), true);
  assert.equal(b.call('regex.is_valid', '('), false);
  assert.equal(b.call('regex.is_valid', 1), false);
});

test('regex.find_n / find_all_string_submatch_n', () => {
  assert.deepEqual(b.call('regex.find_n', 'a.', 'paranormal', -1), ['ar', 'an', 'al']);
  assert.deepEqual(b.call('regex.find_n', 'a.', 'paranormal', 2), ['ar', 'an']);
  assert.deepEqual(b.call('regex.find_n', 'a.', 'paranormal', 0), []);
  assert.deepEqual(b.call('regex.find_n', '.$', 'abacadaeaf', -1), ['f']);
  assert.deepEqual(b.call('regex.find_n', '[abcdef]{2}', 'abacadaeaf', -1), ['ab', 'ac', 'ad', 'ae', 'af']);
  assert.deepEqual(b.call('regex.find_all_string_submatch_n', '[^aouiye]([aouiye])([^aouiye])?', 'somestri', -1), [['som', 'o', 'm'], ['ri', 'i', '']]);
  assert.deepEqual(b.call('regex.find_all_string_submatch_n', 'a(x*)b', '-', -1), []);
  const long = 'a'.repeat(62) + 'bc';
  assert.deepEqual(b.call('regex.find_all_string_submatch_n', '^.*$', long, -1), [[long]]);
});

test('regex.replace / split / template_match', () => {
  assert.equal(b.call('regex.replace', '-wy-wxxy-', 'w(x*)y', '0'), '-0-0-');
  assert.equal(b.call('regex.replace', 'foo barx', '[a-z]{2}', '_'), '_o __');
  assert.equal(b.call('regex.replace', 'foo', '[', '$1'), undefined);
  assert.deepEqual(b.call('regex.split', 'a', 'banana'), ['b', 'n', 'n', '']);
  assert.deepEqual(b.call('regex.split', ',\\s*', 'a, b,c'), ['a', 'b', 'c']);
  assert.deepEqual(b.call('regex.split', 'x', ''), ['']);
  assert.equal(b.call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'), true);
  assert.equal(b.call('regex.template_match', 'urn:foo:<.*>', 'urn:foo:bar:baz', '<', '>'), true);
  assert.equal(b.call('regex.template_match', 'urn:foo:{[0-9]+}', 'urn:foo:bar', '{', '}'), false);
});

test('glob.match follows gobwas/glob as OPA uses it', () => {
  const g = (p: string, d: unknown, t: string): unknown => b.call('glob.match', p, d, t);
  assert.equal(g('*.github.com', ['.'], 'api.github.com'), true);
  assert.equal(g('api.**.com', ['.'], 'api.cdn.github.com'), true);
  assert.equal(g('*:github:com', [':'], 'api:github:com'), true);
  assert.equal(g('*.github.com', ['.'], 'api.not-github.com'), false);
  assert.equal(g('[abc]at', [], 'cat'), true);
  assert.equal(g('[!abc]at', [], 'cat'), false);
  assert.equal(g('[!a-c]at', [], 'fat'), true);
  assert.equal(g('?at', [], 'at'), false);
  assert.equal(g('?at', ['f'], 'fat'), false);
  assert.equal(g('{cat,bat,[fr]at}', [], 'rat'), true);
  assert.equal(g('{cat,bat,[fr]at}', [], 'at'), false);
  assert.equal(g('*', [], 'foo.bar'), false);
  assert.equal(g('*', null, 'foo.bar'), true);
  assert.equal(g('foo*', null, 'foo.bar'), true);
  assert.equal(g('{a,b{c,d}}x', [], 'bdx'), true);
  assert.equal(g('\\*x', [], '*x'), true);
  assert.equal(g('*a*a*a*a*a*a*a*b', [], 'a'.repeat(300)), false);
  assert.equal(g('{a,b', [], 'a'), undefined);
  assert.equal(b.call('glob.quote_meta', '*.github.com'), '\\*.github.com');
});

test('semver builtins', () => {
  assert.equal(b.call('semver.compare', '1.0.0', '2.0.0'), -1);
  assert.equal(b.call('semver.compare', '2.0.0-rc.1', '2.0.0'), -1);
  assert.equal(b.call('semver.is_valid', '1.1'), false);
  assert.equal(b.call('semver.is_valid', 1), false);
  assert.match(err(b.strict('semver.compare', '1', '1.0.0')), /semver.compare: operand 1: string "1" is not a valid SemVer/);
  assert.match(err(b.strict('semver.compare', '1.0.0', '1')), /operand 2: string "1" is not a valid SemVer/);
});

test('glob.match: 3,000 seeded random patterns never trap', () => {
  let seed = 777;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const atoms = ['a', 'b', '.', '*', '**', '?', '[ab]', '[!a]', '[a-c]', '{', '}', ',', '\\', '[', ']', 'é', '/'];
  for (let i = 0; i < 3000; i++) {
    let pat = '';
    for (let k = 0, len = 1 + rnd(10); k < len; k++) pat += atoms[rnd(atoms.length)];
    const r = b.call('glob.match', pat, rnd(2) ? ['.'] : null, 'ab.é/ba'.repeat(1 + rnd(3)));
    assert.ok(r === true || r === false || r === undefined, `${pat}: ${String(r)}`);
  }
});
