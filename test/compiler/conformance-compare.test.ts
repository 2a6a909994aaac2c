// The conformance run's comparisons (test/compiler/conformance/compare.ts): what the SDK's JSON can
// and cannot tell apart. No compile: pure functions over JSON values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchRegorus, matchSortedBindings } from './conformance/compare.ts';

test('regorus objects with non-string keys: keys that print alike count once and must hold values that print alike', () => {
  const want = {
    'object!': [
      { key: [], value: [[]] },
      { key: { 'set!': [] }, value: [{ 'set!': [] }] },
      { key: { 'set!': [4, 'abc', null] }, value: 1 },
      { key: { 'object!': [] }, value: { 'object!': [] } },
    ],
  };
  // The SDK prints [] and set() both as "[]", a set's elements in OPA's order (null < number < string).
  assert.equal(matchRegorus({ '[]': [[]], '[null,4,"abc"]': 1, '{}': {} }, want), true);
  assert.equal(matchRegorus({ '[]': [[]], '[4,"abc",null]': 1, '{}': {} }, want), false, 'set key printed unsorted');
  assert.equal(matchRegorus({ '[]': [[]], '[null,4,"abc"]': 2, '{}': {} }, want), false, 'wrong value');
  const clash = { 'object!': [{ key: [], value: 1 }, { key: { 'set!': [] }, value: 2 }] };
  assert.equal(matchRegorus({ '[]': 2 }, clash), false, 'keys that print alike with values that differ cannot be checked');
});

test('sort_bindings: each binding\'s array matches in any order, nothing else does', () => {
  assert.equal(matchSortedBindings({ x: [[{ b: ['a'] }], [{ b: ['a', 'c'] }]] }, { x: [[{ b: ['a', 'c'] }], [{ b: ['a'] }]] }), true);
  assert.equal(matchSortedBindings({ x: [null, 0, '', [], {}, []] }, { x: [null, 0, '', [], [], {}] }), true);
  assert.equal(matchSortedBindings({ x: [1, 2] }, { x: [1, 2, 2] }), false);
  assert.equal(matchSortedBindings({ x: [[2, 1]] }, { x: [[1, 2]] }), false, 'only the top-level array is sorted');
});
