// json.filter, json.remove, json.patch at value level.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/json_docs.ts');
});
const err = (x: unknown): string => String((x as { error?: string }).error);

test('json.filter keeps only the given paths', () => {
  const doc = { a: { b: { c: 7, d: 8 }, e: 9 }, f: [1, { g: 2, h: 3 }], 'x/y': 1 };
  assert.deepEqual(b.call('json.filter', doc, ['a/b/c', '/f/1/g', 'x~1y']), { a: { b: { c: 7 } }, f: [{ g: 2 }], 'x/y': 1 });
  assert.deepEqual(b.call('json.filter', doc, [['a', 'e'], 'a/b/c']), { a: { b: { c: 7 }, e: 9 } });
  assert.deepEqual(b.call('json.filter', doc, ['a', 'a/b']), { a: doc.a }, 'a shorter path wins');
  assert.deepEqual(b.call('json.filter', doc, []), {});
});

test('json.remove drops the given paths (array indexes shift)', () => {
  const doc = { a: { b: { c: 7, d: 8 }, e: 9 }, f: [1, 2, 3] };
  assert.deepEqual(b.call('json.remove', doc, ['a/b/c', 'f/0']), { a: { b: { d: 8 }, e: 9 }, f: [2, 3] });
  assert.deepEqual(b.call('json.remove', doc, [['a']]), { f: [1, 2, 3] });
  assert.match(err(b.strict('json.remove', 'x', ['a'])), /json.remove: operand 1 must be object but got string/);
  assert.match(err(b.strict('json.remove', doc, [1])), /eval_type_error: json.remove: operand 2 must be one of \{set, array\} containing string paths or array of path segments but got number/);
});

test('json.patch applies RFC 6902 operations without mutating its input', () => {
  const p = (doc: unknown, ops: unknown[]): unknown => b.call('json.patch', doc, ops);
  assert.deepEqual(p({ a: { foo: 1 } }, [{ op: 'add', path: '/a/bar', value: 2 }, { op: 'replace', path: '/a/foo', value: 42 }]), { a: { foo: 42, bar: 2 } });
  assert.deepEqual(p({ arr: [1, 2, 3] }, [{ op: 'add', path: '/arr/1', value: 'x' }, { op: 'add', path: '/arr/-', value: 4 }]), { arr: [1, 'x', 2, 3, 4] });
  assert.deepEqual(p({ a: { foo: 1 }, b: {} }, [{ op: 'move', from: '/a/foo', path: '/b/foo' }]), { a: {}, b: { foo: 1 } });
  assert.deepEqual(p({ a: { foo: 1 }, b: {} }, [{ op: 'copy', from: '/a/foo', path: '/b/foo' }]), { a: { foo: 1 }, b: { foo: 1 } });
  assert.deepEqual(p({ a: 1 }, [{ op: 'test', path: '/a', value: 1 }]), { a: 1 });
  assert.equal(p({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), undefined);
  assert.equal(p({ a: 1 }, [{ op: 'remove', path: '' }]), undefined);
  assert.deepEqual(p({ a: 1 }, [{ op: 'remove', path: '' }, { op: 'add', path: '', value: { b: 2 } }]), { b: 2 });
  assert.equal(p([1, 2], [{ op: 'remove', path: '/01' }]), undefined);
  assert.equal(p([1, 2], [{ op: 'remove', path: '/-' }]), undefined);
  assert.equal(p({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/c' }]), undefined);
  assert.equal(p({}, [{ op: 'add', path: '/a' }]), undefined);
});
