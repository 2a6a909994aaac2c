// GraphQL lexing as gqlparser does it (OPA's graphql.* builtins run gqlparser), where it differs
// from the spec's reference implementation (graphql-js): numbers followed by name characters,
// `\u` escapes of exactly four hex digits, the block string's common indent, control characters
// ending comments, gqlparser's messages and positions — first on the lexer, then through the
// graphql.parse_query / is_valid builtins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer, blockStringValue } from '../../agent/src/policy/host-builtins/graphql/lexer.ts';
import { GRAPHQL_BUILTINS } from '../../agent/src/policy/host-builtins/graphql/index.ts';

/** Every token of a source (up to the first error) as `Kind "value" @line:col` / `ERR message @line:col`. */
function tokens(source: string): string[] {
  const lx = new Lexer(source);
  const out: string[] = [];
  for (;;) {
    const t = lx.read();
    out.push(t.lexError !== undefined ? `ERR ${t.lexError} @${t.pos.Line}:${t.pos.Column}` : `${t.kind}${t.value ? ` ${JSON.stringify(t.value)}` : ''} @${t.pos.Line}:${t.pos.Column}`);
    if (t.kind === '<EOF>' || t.lexError !== undefined) return out;
  }
}

test('numbers: nothing is checked after one, so a name may follow directly', () => {
  assert.deepEqual(tokens('1b'), ['Int "1" @1:1', 'Name "b" @1:2', '<EOF> @1:3']);
  assert.deepEqual(tokens('0x'), ['Int "0" @1:1', 'Name "x" @1:2', '<EOF> @1:3']);
  assert.deepEqual(tokens('-1.5e+3x'), ['Float "-1.5e+3" @1:1', 'Name "x" @1:8', '<EOF> @1:9']);
  assert.deepEqual(tokens('00'), ['ERR Invalid number, unexpected digit after 0: "0". @1:2']);
  assert.deepEqual(tokens('-'), ['ERR Invalid number, expected digit but got: <EOF>. @1:2']);
  assert.deepEqual(tokens('1.x'), ['ERR Invalid number, expected digit but got: "x". @1:3']);
  assert.deepEqual(tokens('1e'), ['ERR Invalid number, expected digit but got: <EOF>. @1:3']);
  assert.deepEqual(tokens('.5'), ['ERR Cannot parse the unexpected character ".". @1:1']);
});

test('strings: four-digit \\u escapes only, a surrogate half is U+FFFD, positions after the quote', () => {
  assert.deepEqual(tokens('"a\\u0041\\n\\/"'), ['String "aA\\n/" @1:2', '<EOF> @1:14']);
  assert.deepEqual(tokens('"\\uD83D\\uDE00"'), ['String "\ufffd\ufffd" @1:2', '<EOF> @1:15']);
  assert.deepEqual(tokens('"é"'), ['String "é" @1:2', '<EOF> @1:4'], 'columns count code points');
  assert.deepEqual(tokens('"\\u{1F600}"'), ['ERR Invalid character escape sequence: \\u{1F6. @1:3']);
  assert.deepEqual(tokens('"\\u004'), ['ERR Invalid character escape sequence: \\u004. @1:3']);
  assert.deepEqual(tokens('"\\x"'), ['ERR Invalid character escape sequence: \\x. @1:3']);
  assert.deepEqual(tokens('"ab\ncd"'), ['ERR Unterminated string. @1:4']);
  assert.deepEqual(tokens('"a\u0007"'), ['ERR Invalid character within String: "\\u0007". @1:3']);
  assert.deepEqual(tokens("'a'"), ['ERR Unexpected single quote character (\'), did you mean to use a double quote (")? @1:1']);
});

test("block strings: gqlparser's dedent (the first line's indent counts), escapes and line ends", () => {
  assert.equal(blockStringValue('  x\n    y'), '  x\n  y', 'common indent 2, the first line included');
  assert.equal(blockStringValue('\n    a\n      b\n\n  '), 'a\n  b');
  assert.equal(blockStringValue('x\n    y'), 'x\n    y', 'the first line has no indent, so none is removed');
  assert.deepEqual(tokens('"""a\\"""b"""'), ['BlockString "a\\"\\"\\"b" @1:4', '<EOF> @1:13']);
  // \r\n and \r end lines; the token sits on its last line (its column counted from that line's start).
  assert.deepEqual(tokens('"""a\r\nb\rc"""'), ['BlockString "a\\nb\\nc" @3:-4', '<EOF> @3:5']);
  assert.deepEqual(tokens('"""a\u0001"""'), ['ERR Invalid character within String: "\\u0001". @1:5']);
  assert.deepEqual(tokens('"""open'), ['ERR Unterminated string. @1:8']);
});

test('comments, whitespace and characters outside tokens', () => {
  assert.deepEqual(tokens('# note\n{a} # end'), ['{ @2:1', 'Name "a" @2:2', '} @2:3', '<EOF> @2:10']);
  // A control character ends a comment and is then an error; gqlparser prints its code in decimal.
  assert.deepEqual(tokens('#a\u0001b'), ['ERR Cannot contain the invalid character "\\u0001" @1:3']);
  assert.deepEqual(tokens('#a\u001fb'), ['ERR Cannot contain the invalid character "\\u0031" @1:3']);
  assert.deepEqual(tokens('\ufeff{a}'), ['{ @1:2', 'Name "a" @1:3', '} @1:4', '<EOF> @1:5'], 'a byte order mark is whitespace');
  // A non-ASCII character is named by its first UTF-8 byte (Go's string(byte)).
  assert.deepEqual(tokens('é'), ['ERR Cannot parse the unexpected character "Ã". @1:1']);
  assert.deepEqual(tokens('a..b'), ['Name "a" @1:1', 'ERR Cannot parse the unexpected character ".". @1:2']);
});

const builtin = GRAPHQL_BUILTINS as Record<string, (...args: unknown[]) => unknown>;
const SCHEMA = 'type Query { f(a: Int, b: Int, s: String): Int }';

test('through the builtins: accepted and rejected as OPA does', () => {
  const parseQuery = builtin['graphql.parse_query']!;
  // `1b: 2` lexes as Int 1, Name b, Colon, Int 2: two arguments (graphql-js rejects the number).
  const doc = parseQuery('{ f(a: 1b: 2) }') as { Operations: { SelectionSet: { Arguments: { Name: string }[] }[] }[] };
  assert.deepEqual(doc.Operations[0]!.SelectionSet[0]!.Arguments.map((a) => a.Name), ['a', 'b']);
  assert.equal(builtin['graphql.is_valid']!('{ f(a: 1b: 2) }', SCHEMA), true);
  assert.equal(builtin['graphql.is_valid']!('{ f(a: 123abc) }', SCHEMA), false);
  assert.throws(() => parseQuery('{ f(a: 123abc) }'), { message: 'Expected :, found ) in GraphQL string at location 1:14' });
  // A lexer error surfaces where the parser meets the invalid token (gqlparser's "<Invalid>").
  assert.throws(() => parseQuery('{ f(a: "\\u{1F600}") }'), { message: 'Unexpected <Invalid> in GraphQL string at location 1:10' });
  assert.throws(() => parseQuery('{ f #a\u0001\n}'), { message: 'Expected Name, found <Invalid> in GraphQL string at location 1:7' });
  assert.equal(builtin['graphql.is_valid']!('{ f(s: "\\uD83D\\uDE00") }', SCHEMA), true);
  // After a multi-line block string, positions are on the following lines.
  assert.throws(() => parseQuery('{ f(s: """x\ny""") ! }'), { message: 'Expected Name, found ! in GraphQL string at location 2:7' });
});
