import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileEntry, type LibModule } from './harness.ts';

let m: LibModule;
before(async () => {
  m = await compileEntry('compiler/assembly/builtins/tests/regex.ts');
});

function match(pat: string, text: string): number {
  m.reset();
  return m.fn('re_match')(...m.put(pat), ...m.put(text));
}

/** All matches with their submatches, like Go's FindAllStringSubmatch(text, -1). */
function findAll(pat: string, text: string): (string | null)[][] {
  m.reset();
  const [tp, tl] = m.put(text);
  const h = m.fn('re_compile')(...m.put(pat));
  assert.notEqual(h, 0, `compile ${pat}`);
  const ncap = m.fn('re_prog_ncap')(h);
  m.fn('re_iter_begin')();
  const out: (string | null)[][] = [];
  const bytes = new TextEncoder().encode(text);
  while (m.fn('re_iter_next')(h, tp, tl)) {
    const row: (string | null)[] = [];
    for (let i = 0; i < ncap; i++) {
      const s = m.fn('re_cap')(2 * i);
      const e = m.fn('re_cap')(2 * i + 1);
      row.push(s < 0 ? null : new TextDecoder().decode(bytes.slice(s, e)));
    }
    out.push(row);
    if (out.length > 1000) throw new Error('runaway');
  }
  return out;
}

function replace(text: string, pat: string, repl: string): string {
  m.reset();
  const [tp, tl] = m.put(text);
  const h = m.fn('re_compile')(...m.put(pat));
  return m.out(m.fn('re_replace_all')(h, tp, tl, ...m.put(repl)));
}

test('regex.match: syntax and semantics agree with JS for RE2-compatible patterns', () => {
  const cases: [string, string][] = [
    ['^[a-z]+\\[[0-9]+\\]$', 'foo[1]'], ['^$', ''], ['', 'x'], ['a|b', 'cb'], ['^(ab)+$', 'ababab'],
    ['^(ab)+$', 'ababa'], ['\\d{3}-\\d{4}', 'call 555-1234'], ['^\\w+@\\w+\\.com$', 'joe@example.com'],
    ['^a{2,3}$', 'aaaa'], ['^a{2,}$', 'aaaaaa'], ['^a{2}$', 'aa'], ['colou?r', 'color'], ['[^abc]', 'abc'],
    ['^.$', '\n'], ['^.$', 'é'], ['(?i)HELLO', 'hello world'], ['(?i:a)b', 'Ab'], ['(?i:a)b', 'AB'],
    ['\\bfoo\\b', 'a foo b'], ['\\bfoo\\b', 'afoob'], ['^\\s*$', ' \t '], ['[[:alpha:]]+', '123'],
    ['[[:digit:]]+', 'x1'], ['^[\\d\\s]+$', '1 2'], ['^[^\\d]+$', 'abc'], ['a.*b', 'axxxb'], ['a.*?b', 'ab'],
    ['^(?:a|b)*c$', 'ababc'], ['x*', ''], ['^\\x41\\x{42}$', 'AB'], ['^\\.\\*$', '.*'], ['(?s)a.b', 'a\nb'],
    ['(?m)^b$', 'a\nb\nc'], ['^b$', 'a\nb\nc'], ['^[a-c-]+$', 'a-b'], ['^[]a]+$', ']a'], ['\\Qa.b\\E', 'a.b'],
    ['^\\Qa.b\\E$', 'axb'],
  ];
  for (const [pat, text] of cases) {
    const jsPat = pat.replace('(?i)', '').replace('(?s)', '').replace('(?m)', '').replace(/\\Q(.*?)\\E/g, (_s, x: string) => x.replace(/[.*]/g, '\\$&')).replace(/\\x\{(\w+)\}/g, '\\u00$1').replace('[[:alpha:]]', '[A-Za-z]').replace('[[:digit:]]', '[0-9]').replace('(?i:a)', '[aA]').replace('[]a]', '[\\]a]');
    const flags = (pat.includes('(?i)') ? 'i' : '') + (pat.includes('(?s)') ? 's' : '') + (pat.includes('(?m)') ? 'm' : '') + 'u';
    const want = new RegExp(jsPat, flags).test(text) ? 1 : 0;
    assert.equal(match(pat, text), want, `${pat} on ${JSON.stringify(text)}`);
  }
});

test('regex: nested quantifiers do not blow up (visited-state bound)', () => {
  // A JS/PCRE backtracker needs ~2^45 steps here; the bitmap bounds work to program x input.
  assert.equal(match('^(a+)+$', 'a'.repeat(45) + 'b'), 0);
  assert.equal(match('^(a|aa)*$', 'a'.repeat(2000)), 1);
});

test('regex: invalid patterns are errors (Go RE2 rules)', () => {
  for (const pat of ['[', '(', ')', 'a**', '*a', 'a{1001}', '\\1', '\\q', '[z-a]', '(?P<>a)', '(?z)', 'x{2,1}', '\\8', '(?<n!>a)']) {
    assert.equal(match(pat, 'a'), -1, pat);
  }
  for (const pat of ['a{', 'a{x}', 'a{1', '\\pL', '\\p{Greek}', '[\\pL]', '(?i)a', '(?P<name>a)', '(?<n>a)', 'a*?', '\\012', '^*']) {
    assert.notEqual(match(pat, 'a'), -1, pat);
  }
});

test("regex: \\p classes are Go's Unicode categories and scripts, exactly", () => {
  const cases: [string, string, number][] = [
    ['^\\p{Lu}$', '\u0100', 1], // Ā: an upper-case letter outside Latin-1
    ['^\\p{Lu}$', 'a', 0],
    ['^\\p{Lt}$', '\u01c5', 1], // ǅ: title case, a letter
    ['^\\pL+$', '\u01c5\u00df\u0101\u4e2d', 1],
    ['^\\pL$', '\u0661', 0], // ١ is a digit
    ['^\\p{Nd}+$', '\u0661\u0662', 1],
    ['^\\pN$', '\u00bd', 1], // ½: No is a number too
    ['^\\p{Nd}$', '\u00bd', 0],
    ['^\\p{Zs}$', '\u00a0', 1],
    ['^\\p{P}+$', '\u00bf!\u2014', 1],
    ['^\\p{Sc}$', '\u20ac', 1],
    ['^\\p{Greek}+$', '\u03b1\u03b2\u1f00', 1],
    ['^\\P{Greek}$', 'a', 1],
    ['^\\P{Greek}$', '\u03b1', 0],
    ['^\\p{^Greek}$', 'a', 1],
    ['^\\p{Hiragana}$', '\u3042', 1],
    ['^\\p{Arabic}+$', '\u0627\u0644', 1],
    ['^\\p{Han}$', '\u6f22', 1],
    ['^\\p{Latin}$', '\u0101', 1],
    ['^\\p{Cyrillic}$', '\u044f', 1],
    ['^[\\p{Lu}\\d]+$', 'A1\u0100', 1],
    ['^[^\\p{L}]+$', '12!', 1],
    ['^[\\P{L}]$', 'x', 0],
    ['^(?i)\\p{Lu}$', 'a', 1], // case folding applies to classes
    ['^\\p{Any}$', '\u{1f600}', 1],
  ];
  for (const [pat, text, want] of cases) assert.equal(match(pat, text), want, `${pat} on ${JSON.stringify(text)}`);
  // Names Go does not know are errors, case-sensitively (and scripts added after Unicode 15.0).
  for (const pat of ['\\p{Foo}', '\\p{greek}', '\\p{lu}', '\\p{Garay}', '\\pX']) assert.equal(match(pat, 'a'), -1, pat);
});

test('find_all_string_submatch semantics incl. empty matches', () => {
  assert.deepEqual(findAll('a(x*)b', '-ab-axxb-'), [['ab', ''], ['axxb', 'xx']]);
  assert.deepEqual(findAll('a*', 'baaab'), [[''], ['aaa'], ['']]);
  assert.deepEqual(findAll('(a)|(b)', 'ab'), [['a', 'a', null], ['b', null, 'b']]);
  assert.deepEqual(findAll('[a-z]', 'é a'), [['a']]);
  assert.deepEqual(findAll('.', 'hé'), [['h'], ['é']]);
});

test('regex.replace follows Go ReplaceAllString', () => {
  assert.equal(replace('-wy-wxxy-', 'w(x*)y', '0'), '-0-0-');
  assert.equal(replace('foo', '(foo)', '$1$1'), 'foofoo');
  assert.equal(replace('foo', '^[a-z]', 'F'), 'Foo');
  assert.equal(replace('foo', '[a-z]$', 'F'), 'foF');
  assert.equal(replace('foo bar', '[a-z]', '_'), '___ ___');
  assert.equal(replace('foo barx', '[a-z]{3}', '_'), '_ _x');
  assert.equal(replace('abc', 'x*', '-'), '-a-b-c-');
  assert.equal(replace('abc', '(?P<first>a)', '${first}!$$'), 'a!$bc');
  assert.equal(replace('abc', '(a)', '$1x'), 'bc', '$1x names group "1x", which is empty');
});

test('regex.template_match', () => {
  const tm = (t: string, v: string, s: string, e: string): number => {
    m.reset();
    return m.fn('re_template_match')(...m.put(t), ...m.put(v), s.charCodeAt(0), e.charCodeAt(0));
  };
  assert.equal(tm('urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'), 1);
  assert.equal(tm('urn:foo:<.*>', 'urn:foo:bar:baz', '<', '>'), 1);
  assert.equal(tm('urn:foo.{[0-9]{2}}', 'urn:foo.12', '{', '}'), 1);
  assert.equal(tm('urn:foo.{[0-9]{2}}', 'urn:fooX12', '{', '}'), 0);
  assert.equal(tm('urn:{.*', 'urn:x', '{', '}'), -1);
});

test('regex: 3,000 seeded random patterns never trap (each is valid, invalid, or a bounded match)', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const atoms = ['a', 'b', '.', '\\d', '\\w', '\\s', '[a-c]', '[^x]', '(', ')', '|', '*', '+', '?', '{2}', '{1,3}', '^', '$', '\\b', '(?i)', '(?:', '[[:alpha:]]', '\\', '[', ']', '{', 'é', '\\pL', '*?', '(?P<n>'];
  for (let i = 0; i < 3000; i++) {
    let pat = '';
    const len = 1 + rnd(12);
    for (let k = 0; k < len; k++) pat += atoms[rnd(atoms.length)];
    const text = 'ab1 éxa'.repeat(1 + rnd(4));
    const r = match(pat, text);
    assert.ok(r === -1 || r === 0 || r === 1, `${pat}: ${r}`);
  }
});
