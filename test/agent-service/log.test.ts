// The agent logs one JSON object per line and never logs secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, redactText } from '../../agent/src/log.ts';

test('structured JSON lines with level filtering and child fields', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', sink: (l) => lines.push(l), base: { component: 'test' } });
  log.debug('hidden');
  log.info('scan complete', { findings: 3 });
  log.child({ cycle: 7 }).warn('slow', { ms: 1200 });
  assert.equal(lines.length, 2);
  const a = JSON.parse(lines[0]!);
  assert.equal(a.level, 'info');
  assert.equal(a.msg, 'scan complete');
  assert.equal(a.component, 'test');
  assert.equal(a.findings, 3);
  assert.ok(!Number.isNaN(Date.parse(a.ts)));
  assert.deepEqual([JSON.parse(lines[1]!).cycle, JSON.parse(lines[1]!).level], [7, 'warn']);
});

test('secrets never reach the log: secret-named fields, bearer tokens, API keys, URL credentials', () => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l) });
  log.info('enrolled with Bearer abcdefghijklmnop1234 at https://user:pa55word@srv.example/x?token=zzz123', {
    enrollment_code: 'ENR-1234',
    headers: { Authorization: 'Bearer xyz', accept: 'json' },
    config: { server: 'https://srv.example', apiKey: 'sk-ant-api03-aaaaaaaaaaaaaaaa', nested: [{ password: 'p' }] },
    error: new Error('request failed: token ghp_abcdefghijklmnopqrstuvwxyz0123'),
  });
  const out = lines.join('\n');
  for (const secret of ['abcdefghijklmnop1234', 'pa55word', 'zzz123', 'ENR-1234', 'Bearer xyz', 'sk-ant-api03', 'ghp_abcdefghijklmnopqrstuvwxyz0123', '"p"']) assert.ok(!out.includes(secret), `leaked ${secret}: ${out}`);
  const rec = JSON.parse(lines[0]!);
  assert.equal(rec.headers.accept, 'json');
  assert.equal(rec.config.server, 'https://srv.example');
  assert.equal(redactText('nothing secret here'), 'nothing secret here');
});
