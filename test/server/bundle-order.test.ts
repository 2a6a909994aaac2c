// The bundle sequence comes from the database and is inside the signature (issue 10, item 6): it grows
// across publishes made in the same second, across a server restart, and across two server nodes
// publishing at once on one database (SQLite: two services on one file; PostgreSQL: two connections).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSigningKey, openSignedBundle } from '../../wire/src/bundle-signing.ts';
import { bundleOrder } from '../../wire/src/bundle-order.ts';
import { BundleService, type SignedBundle } from '../../server/src/bundle-builder.ts';
import { openStore } from '../../server/src/store/open.ts';
import type { SqlRepository } from '../../server/src/store/sql-repository.ts';
import { STORE_KINDS, PG_URL, pgNote } from './helpers.ts';
import { transportCompile } from '../support/transport-bundle.ts';

// The policy's content does not matter here (test/support/transport-bundle.ts).
const compile = transportCompile;

for (const kind of STORE_KINDS) {
  test(`[${kind.name}] bundle sequence: signed, from the database, monotonic in one second, across a restart and across two nodes${pgNote}`, async () => {
    const db = await kind.open();
    const key = generateSigningKey();
    const extra: SqlRepository[] = [];
    const services: BundleService[] = [];
    const service = async (store: SqlRepository): Promise<BundleService> => {
      const s = new BundleService(store.driver, key, compile);
      await s.start();
      services.push(s);
      return s;
    };
    const signedSeq = async (b: SignedBundle): Promise<{ seq: number; iat: number }> => {
      const v = await openSignedBundle(b.archive, key.publicKeyPem);
      return { seq: bundleOrder(v.files).seq, iat: v.signature.iat };
    };
    try {
      const a = await service(db.store);
      const b1 = await a.publish({ source: 'r1', data: { n: 1 } });
      const b2 = await a.publish({ source: 'r2', data: { n: 2 } });
      const s1 = await signedSeq(b1);
      const s2 = await signedSeq(b2);
      assert.equal(s1.seq, 2 * b1.seq, 'the signed sequence is 2 × the database row sequence');
      assert.ok(s2.seq > s1.seq, `later publish, higher signed sequence (${s1.seq} → ${s2.seq}; signed at ${s1.iat} and ${s2.iat})`);
      // restart: a new service on the same database continues the sequence
      await a.stop();
      const restarted = await service(db.store);
      assert.equal(restarted.current()?.seq, b2.seq);
      const b3 = await restarted.publish({ source: 'r3', data: { n: 3 } });
      assert.ok((await signedSeq(b3)).seq > s2.seq);
      // two nodes publishing at once never sign the same sequence
      const other = kind.name === 'postgres' ? await openStore({ database: PG_URL as string, pgSchema: db.pgSchema as string }) : null;
      if (other) extra.push(other as SqlRepository);
      const nodeB = await service((other as SqlRepository | null) ?? db.store);
      const built = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? nodeB : restarted).publish({ source: `p${i}`, data: { i } })));
      const seqs = await Promise.all(built.map(async (b) => (await signedSeq(b)).seq));
      assert.equal(new Set(seqs).size, seqs.length, `distinct signed sequences: ${seqs.join(', ')}`);
      for (const [i, b] of built.entries()) assert.equal(seqs[i], 2 * b.seq);
      assert.ok(Math.min(...seqs) > (await signedSeq(b3)).seq);
    } finally {
      for (const s of services) await s.stop();
      for (const s of extra) await s.close();
      await db.cleanup();
    }
  });
}
