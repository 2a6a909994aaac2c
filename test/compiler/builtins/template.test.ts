// strings.render_template: the text/template subset (fields, variables, if/else, range).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/template.ts');
});
const r = (t: string, vars: unknown): unknown => b.call('strings.render_template', t, vars);

test('fields, numbers, missing keys', () => {
  assert.equal(r('{{.test}}', { test: 'hello world' }), 'hello world');
  assert.equal(r('{{.test}}', { test: 2023 }), '2023');
  assert.equal(r('{{ .a.b }}!', { a: { b: 1.5 } }), '1.5!');
  assert.equal(r('test {{.foo}} {{.bar}} {{.baz}}', { baz: 1 }), 'test <undefined> <undefined> 1');
  assert.equal(r('{{.xs}} {{.m}}', { xs: ['a', 1], m: { k: 'v' } }), '[a 1] map[k:v]');
});

test('if/else and range with variables', () => {
  assert.equal(r('{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}', { hellonames: ['rohan', 'john doe'] }), 'hello rohan,hello john doe');
  assert.equal(r('{{if .on}}yes{{else}}no{{end}}', { on: false }), 'no');
  assert.equal(r('{{if .on}}yes{{else}}no{{end}}', { on: 'x' }), 'yes');
  assert.equal(r('{{range .xs}}<{{.}}>{{else}}none{{end}}', { xs: [] }), 'none');
  assert.equal(r('{{range .xs}}<{{.n}}>{{end}}', { xs: [{ n: 1 }, { n: 2 }] }), '<1><2>');
  assert.equal(r('{{if .x}}', { x: true }), undefined, 'unterminated if');
  assert.equal(r('{{printf "%d" 1}}', {}), undefined, 'functions are not supported');
});

test('trim markers {{- and -}} remove the white space beside the action (Go text/template)', () => {
  assert.equal(r('a  {{- .x -}}  b', { x: 1 }), 'a1b');
  assert.equal(r('items:\n{{- range .xs }}\n  - {{ . }}\n{{- end }}\n', { xs: ['p', 'q'] }), 'items:\n  - p\n  - q\n');
  assert.equal(r('{{-3}}', {}), '-3', '"{{-3}}" is the number -3, not a trim marker');
});

test('functions: len, comparisons, not/and/or, index, with Go typing of JSON numbers', () => {
  assert.equal(r('{{if gt (len .xs) 0}}some{{else}}none{{end}}', { xs: [1] }), 'some');
  assert.equal(r('{{if gt (len .xs) 0}}some{{else}}none{{end}}', { xs: [] }), 'none');
  assert.equal(r('{{len .xs}} {{len .m}} {{len .s}}', { xs: [1, 2], m: { a: 1 }, s: 'héllo' }), '2 1 6', 'len of a string counts bytes');
  assert.equal(r('{{if eq .s "a"}}A{{else}}B{{end}}', { s: 'a' }), 'A');
  assert.equal(r('{{if eq .s "x" "a"}}one of{{end}}', { s: 'a' }), 'one of');
  assert.equal(r('{{if ne .s "a"}}diff{{else}}same{{end}}', { s: 'b' }), 'diff');
  assert.equal(r('{{if and .a (not .b)}}yes{{end}}', { a: true, b: false }), 'yes');
  assert.equal(r('{{or .a "fallback"}}', { a: '' }), 'fallback');
  assert.equal(r('{{if lt 1 2}}{{if le 2 2}}{{if ge 3 2.5}}x{{end}}{{end}}{{end}}', {}), undefined, 'int vs float: incompatible kinds in Go');
  assert.equal(r('{{if lt 1 2}}{{if le 2 2}}ok{{end}}{{end}}', {}), 'ok');
  assert.equal(r('{{index .m "k"}} {{index .xs 1}}', { m: { k: 'v' }, xs: ['a', 'b'] }), 'v b');
  // A number from the data is a json.Number (a string kind) in Go: comparing it with an int literal
  // is an "incompatible types for comparison" error, so the call is undefined.
  assert.equal(r('{{if gt .n 1}}big{{end}}', { n: 5 }), undefined);
  assert.equal(r('{{if eq .n "5"}}five{{end}}', { n: 5 }), 'five');
  assert.equal(r('{{range $i, $x := .xs}}{{if gt $i 0}}, {{end}}{{$x}}{{end}}', { xs: ['a', 'b', 'c'] }), 'a, b, c');
  assert.equal(r('{{printf "%d" 1}}', {}), undefined, 'printf is not supported');
  assert.equal(r('{{.a | len}}', { a: [1] }), undefined, 'pipelines are not supported');
});
