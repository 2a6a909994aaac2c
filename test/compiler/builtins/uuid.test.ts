import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileBuiltins, type BuiltinModule } from './values.ts';

let b: BuiltinModule;
before(async () => {
  b = await compileBuiltins('compiler/assembly/builtins/tests/uuid.ts');
});

test('uuid.parse reports version, variant and time-based fields', () => {
  assert.deepEqual(b.call('uuid.parse', 'b01d0062-a116-11ee-822b-7ab0b9e5e0c0'), {
    clocksequence: 555, macvariables: 'local:unicast', nodeid: '7a-b0-b9-e5-e0-c0', time: 1703282931110717000, variant: 'RFC4122', version: 1,
  });
  assert.equal(b.text('uuid.parse', '"000003e8-a129-21ee-ae00-325096b39f47"'),
    '{"clocksequence":11776,"domain":"Person","id":1000,"macvariables":"local:unicast","nodeid":"32-50-96-b3-9f-47","time":1703290796079613600,"variant":"RFC4122","version":2}');
  assert.deepEqual(b.call('uuid.parse', '{a6342df8-7801-469c-b3f3-c5317a0ebdaa}'), { variant: 'RFC4122', version: 4 });
  assert.deepEqual(b.call('uuid.parse', 'urn:uuid:c6db027c-615c-3b4d-959e-1a917747ca5a'), { variant: 'RFC4122', version: 3 });
  assert.deepEqual(b.call('uuid.parse', 'c66bbb60d62e5f17a3993a0bd237c503'), { variant: 'RFC4122', version: 5 });
  assert.deepEqual(b.call('uuid.parse', '017F22E2-79B0-7CC3-98C4-DC0C0C07398F'), { variant: 'RFC4122', version: 7, time: 1645557742000000000 });
  assert.deepEqual(b.call('uuid.parse', '1EC9414C-232A-6B00-B3C8-9E6BDECED846'), { variant: 'RFC4122', version: 6, time: 1645557742000000000 });
  assert.equal(b.call('uuid.parse', 'not-valid'), undefined);
  // OPA returns no value for a string that is not a UUID, with or without strict builtin errors.
  assert.equal(b.strict('uuid.parse', 'not-valid'), undefined);
  assert.match(String((b.strict('uuid.parse', 42) as { error?: string }).error), /eval_type_error: uuid.parse: operand 1 must be string but got number/);
  assert.equal(b.call('uuid.parse', 42), undefined);
});
