// Check-ins' status writes share transactions (server/src/store/group-commit.ts): every caller is
// answered after its own work committed, and one failing write fails only its caller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDriver } from '../../server/src/store/sqlite-driver.ts';
import { GroupCommit } from '../../server/src/store/group-commit.ts';

test('50 concurrent writes commit in a few transactions; the one that fails is the only one refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-group-commit-'));
  const db = new SqliteDriver(join(dir, 'db'));
  try {
    await db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    let transactions = 0;
    const real = db.transaction.bind(db);
    db.transaction = (fn) => {
      transactions++;
      return real(fn);
    };
    const gc = new GroupCommit(db);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        gc.run(async (tx) => {
          await tx.run('INSERT INTO t (k, v) VALUES (?, ?)', [i, i === 17 ? null : `v${i}`]);
          return i;
        }),
      ),
    );
    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, String((r.reason as Error).message)]] : []));
    assert.equal(refused.length, 1);
    assert.equal(refused[0]![0], 17);
    assert.match(String(refused[0]![1]), /NOT NULL/);
    assert.deepEqual(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value), Array.from({ length: 50 }, (_, i) => i).filter((i) => i !== 17));
    assert.equal((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM t'))?.n, 49, 'the others committed');
    // one shared transaction that failed, then each write on its own: far fewer than 50 commits only when none fails
    assert.ok(transactions <= 52, `${transactions} transactions`);
    transactions = 0;
    await Promise.all(Array.from({ length: 50 }, (_, i) => gc.run((tx) => tx.run('UPDATE t SET v = ? WHERE k = ?', [`w${i}`, i]))));
    assert.ok(transactions <= 2, `50 writes arriving together shared ${transactions} transaction(s)`);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
