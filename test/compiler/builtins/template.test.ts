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
