import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiagnosticError } from '../../../compiler/src/diagnostics.ts';
import { tokenize } from '../../../compiler/src/lexer/lexer.ts';

const kinds = (src: string): string[] => tokenize(src, 't.rego').map((t) => `${t.kind}:${t.text}`);

test('lexer: punctuation, operators, identifiers, eof', () => {
  assert.deepEqual(kinds('p := x[1] != {"a": 2}'), [
    'ident:p', ':=::=', 'ident:x', '[:[', 'number:1', ']:]', '!=:!=', '{:{', 'string:"a"', ':::', 'number:2', '}:}', 'eof:',
  ]);
  assert.deepEqual(kinds('a<=b>=c<d>e==f'), ['ident:a', '<=:<=', 'ident:b', '>=:>=', 'ident:c', '<:<', 'ident:d', '>:>', 'ident:e', '==:==', 'ident:f', 'eof:']);
});

test('lexer: rows, columns, newline and whitespace flags, comments', () => {
  const toks = tokenize('package a # comment\n\n  p  :=\t1\n', 't.rego');
  const p = toks.find((t) => t.text === 'p')!;
  assert.deepEqual([p.row, p.col, p.nl, p.ws], [3, 3, true, true]);
  const assign = toks.find((t) => t.kind === ':=')!;
  assert.deepEqual([assign.row, assign.col, assign.nl, assign.ws], [3, 6, false, true]);
  const one = toks.find((t) => t.kind === 'number')!;
  assert.equal(one.col, 9);
  assert.equal(toks.some((t) => t.text.includes('comment')), false);
  const dot = tokenize('a.b', 't')[1]!;
  assert.deepEqual([dot.kind, dot.ws], ['.', false]);
});

test('lexer: strings decode escapes including surrogate pairs; raw strings are verbatim and multi-line', () => {
  const [s] = tokenize('"a\\tb\\n\\"q\\" \\u00e9 \\ud83d\\ude00 \\/"', 't');
  assert.equal(s!.value, 'a\tb\n"q" é 😀 /');
  const toks = tokenize('x := `line1\n\\n line2`\ny', 't');
  assert.equal(toks[2]!.kind, 'rawstring');
  assert.equal(toks[2]!.value, 'line1\n\\n line2');
  const y = toks.find((t) => t.text === 'y')!;
  assert.deepEqual([y.row, y.col, y.nl], [3, 1, true]);
});

test('lexer: numbers keep their literal text', () => {
  assert.deepEqual(
    tokenize('1e400 0.1 .5 12 3.25E-7', 't').filter((t) => t.kind === 'number').map((t) => t.text),
    ['1e400', '0.1', '.5', '12', '3.25E-7'],
  );
  // A dot after an identifier or bracket is a ref dot, not a number.
  assert.deepEqual(kinds('x[0].y'), ['ident:x', '[:[', 'number:0', ']:]', '.:.', 'ident:y', 'eof:']);
});

test('lexer: template strings carry literal parts and tokenized expressions at their true positions', () => {
  const [t] = tokenize('$"a {x + 1} \\{b}"', 't');
  assert.equal(t!.kind, 'template');
  const parts = t!.template!;
  assert.deepEqual(parts[0], { kind: 'text', value: 'a ' });
  assert.equal(parts[1]!.kind, 'expr');
  if (parts[1]!.kind === 'expr') {
    const x = parts[1]!.tokens[0]!;
    assert.deepEqual([x.text, x.row, x.col], ['x', 1, 6]);
  }
  assert.deepEqual(parts[2], { kind: 'text', value: ' {b}' });
});

test('lexer: errors carry file:line:col', () => {
  const cases: [string, number, number, RegExp][] = [
    ['p := "abc\n', 1, 6, /non-terminated string/],
    ['p := 1\nq := `abc', 2, 6, /non-terminated raw string/],
    ['p := 1\n  q := @', 2, 8, /unexpected character "@"/],
    ['p := "\\x"', 1, 6, /illegal string literal/],
    ['p := 12abc', 1, 8, /illegal number/],
  ];
  for (const [src, row, col, re] of cases) {
    assert.throws(
      () => tokenize(src, 'bad.rego'),
      (e: unknown) => {
        assert.ok(e instanceof DiagnosticError);
        assert.deepEqual([e.diagnostic.file, e.diagnostic.row, e.diagnostic.col], ['bad.rego', row, col], src);
        assert.match(e.diagnostic.message, re);
        return true;
      },
    );
  }
});
