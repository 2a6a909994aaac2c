// The agent's durable upload queue on real files: order, batching, acknowledgement, restart, a torn
// write and an unreadable batch (kept aside, never silently dropped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DurableQueue } from '../../agent/src/sync/queue.ts';
import { tempDir } from './helpers.ts';

test('batches come back in order, survive a restart, and go only when acknowledged', () => {
  const t = tempDir('queue');
  try {
    const q = new DurableQueue<number>(t.dir);
    q.enqueue(Array.from({ length: 1200 }, (_, i) => i), 500);
    q.enqueue([9999]);
    assert.equal(q.size(), 4);
    assert.equal(q.count(), 1201);
    const first = q.peek(600);
    assert.deepEqual(first.map((b) => b.items.length), [500]);
    assert.equal(first[0]?.items[0], 0);
    // Not acknowledged: a new process sees the same batch with the same id (the server dedups by it).
    const again = new DurableQueue<number>(t.dir).peek(600);
    assert.equal(again[0]?.id, first[0]?.id);
    q.ack(first);
    const rest = new DurableQueue<number>(t.dir);
    assert.equal(rest.count(), 701);
    assert.deepEqual(rest.peek(10_000).map((b) => b.items.length), [500, 200, 1]);
    // New batches after a restart keep the order.
    rest.enqueue([10_000]);
    assert.deepEqual(rest.peek(10_000).at(-1)?.items, [10_000]);
  } finally {
    t.cleanup();
  }
});

test('a torn write is discarded at start; an unreadable batch is set aside, not dropped', () => {
  const t = tempDir('queue-bad');
  try {
    const q = new DurableQueue<string>(t.dir);
    q.enqueue(['a']);
    writeFileSync(join(t.dir, '0000000000000002.json.tmp'), '{"id":"x","items":["half'); // crash mid-write
    writeFileSync(join(t.dir, '0000000000000003.json'), 'not json');
    const q2 = new DurableQueue<string>(t.dir);
    assert.deepEqual(q2.peek(10).map((b) => b.items), [['a']]);
    const names = readdirSync(t.dir).sort();
    assert.ok(!names.some((n) => n.endsWith('.tmp')), 'torn write removed');
    assert.ok(names.includes('0000000000000003.json.corrupt'), 'unreadable batch kept aside for inspection');
    q2.enqueue(['b']);
    assert.deepEqual(q2.peek(10).map((b) => b.items), [['a'], ['b']], 'sequence continues after the highest batch');
  } finally {
    t.cleanup();
  }
});
