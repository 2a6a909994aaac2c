// The employee's exception-request inbox as the agent reads it: everything in it is the employee's
// (attacker-controlled). Real files in a temp state folder; as root, the employee is a real other uid
// (files chowned to it) so ownership checks are exercised; the agent forwards only regular, single-link
// files the employee owns, within the size limit and the schema — and removes everything it looked at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { enforceState, preparePublicDir } from '../../agent/src/enforce/state.ts';
import { prepareUserDir, type PublicUser } from '../../agent/src/enforce/public-state.ts';
import { inboxDir, prepareInbox, takeInbox, type InboxRead } from '../../agent/src/enforce/request-inbox.ts';
import { ExceptionDesk } from '../../agent/src/sync/exception-desk.ts';
import { EXCEPTION_REQUEST_SCHEMA } from '../../wire/src/exception-request.ts';
import { tempDir } from '../sync/helpers.ts';

const root = process.getuid?.() === 0;
// As root the employee is another uid; otherwise the agent's own (ownership cannot differ then).
const EMPLOYEE = root ? 4242 : (process.getuid?.() ?? 0);
const OTHER = 4343;

const valid = (tool = 'claude-code') => JSON.stringify({ schema: EXCEPTION_REQUEST_SCHEMA, tool, reason: 'customer project needs it', duration_days: 7, requested_at: '2026-12-01T10:00:00.000Z' });
const id = (n: number) => `req${String(n).padStart(16, '0')}`;

function setup(prefix: string) {
  const t = tempDir(prefix);
  const state = enforceState(join(t.dir, 'state'));
  preparePublicDir(state);
  const user: PublicUser = { key: String(EMPLOYEE), uid: EMPLOYEE, gid: EMPLOYEE, names: ['alice'], homes: [] };
  prepareUserDir(state, user);
  const dir = prepareInbox(state, user);
  const own = (p: string) => root && chownSync(p, EMPLOYEE, EMPLOYEE);
  return { t, state, user, dir, own };
}

test('the inbox is the employee’s (0700, their uid) inside the agent’s folder; a link put in its place is replaced', () => {
  const { t, state, user, dir } = setup('inbox-prep');
  try {
    const st = lstatSync(dir);
    assert.ok(st.isDirectory());
    assert.equal(st.mode & 0o777, 0o700);
    assert.equal(st.uid, EMPLOYEE);
    // Whatever stands at the name instead of the folder (only the agent could put it there) goes.
    const elsewhere = join(t.dir, 'elsewhere');
    mkdirSync(elsewhere);
    execFileSync('rm', ['-rf', dir]);
    symlinkSync(elsewhere, dir);
    prepareInbox(state, user);
    assert.ok(lstatSync(dir).isDirectory(), 'a real folder again, not the link');
    assert.ok(existsSync(elsewhere), 'the link target untouched');
  } finally {
    t.cleanup();
  }
});

test('only regular, single-link files the employee owns, within size and schema, are forwarded; everything looked at is removed', () => {
  const { t, dir, own } = setup('inbox-take');
  try {
    const secret = join(t.dir, 'secret.json');
    writeFileSync(secret, valid('secret-tool'));
    const put = (name: string, content: string) => {
      writeFileSync(join(dir, name), content);
      own(join(dir, name));
    };
    put(`${id(1)}.json`, valid());
    symlinkSync(secret, join(dir, `${id(2)}.json`)); // a link to a file the employee cannot read
    put(`${id(3)}.json`, 'x'.repeat(9000));
    put(`${id(4)}.json`, '{"schema": ');
    put(`${id(5)}.json`, JSON.stringify({ schema: EXCEPTION_REQUEST_SCHEMA, tool: 'claude-code', reason: 'short', duration_days: 9999, requested_at: 'now', extra: 1 }));
    put('notes.txt', 'junk');
    execFileSync('mkfifo', [join(dir, `${id(6)}.json`)]); // would block a naive reader forever
    own(join(dir, `${id(6)}.json`));
    put(`.${id(9)}.tmp`, 'half written by the tray');
    if (root) {
      writeFileSync(join(dir, `${id(7)}.json`), valid('other-tool'));
      chownSync(join(dir, `${id(7)}.json`), OTHER, OTHER); // someone else's file
      put(`${id(8)}.json`, valid('linked-tool'));
      linkSync(join(dir, `${id(8)}.json`), join(t.dir, 'second-link')); // a second link: refused
    }
    let kept: InboxRead | null = null;
    const read = takeInbox(dir, EMPLOYEE, (r) => {
      kept = r;
      assert.ok(existsSync(join(dir, `${id(1)}.json`)), 'files stay until what was read is stored');
    });
    assert.equal(kept, read);
    assert.deepEqual(read.requests.map((r) => [r.id, r.request.tool, r.request.duration_days]), [[id(1), 'claude-code', 7]]);
    const why = Object.fromEntries(read.refused.map((r) => [r.name, r.error]));
    assert.equal(why[`${id(2)}.json`], 'a symbolic link is not read');
    assert.equal(why[`${id(3)}.json`], 'larger than 8192 bytes');
    assert.equal(why[`${id(4)}.json`], 'not valid JSON');
    assert.match(why[`${id(5)}.json`] ?? '', /^invalid request: /);
    assert.equal(why['notes.txt'], 'not a request file name');
    assert.equal(why[`${id(6)}.json`], 'not a regular file');
    if (root) {
      assert.equal(why[`${id(7)}.json`], `owned by uid ${OTHER}, not by the employee (uid ${EMPLOYEE})`);
      assert.equal(why[`${id(8)}.json`], 'a file with more than one link is not read');
    }
    // Everything looked at is gone; the tray's temp file is left for the tray to finish.
    assert.deepEqual(readdirSync(dir), [`.${id(9)}.tmp`]);
    assert.equal(readFileSync(secret, 'utf8'), valid('secret-tool'), 'the link target was neither read into a request nor removed');
  } finally {
    t.cleanup();
  }
});

test('a flood of requests is taken ten per cycle; the agent records them before the files go', () => {
  const { t, state, user, dir, own } = setup('inbox-flood');
  try {
    for (let i = 0; i < 25; i++) {
      writeFileSync(join(dir, `${id(100 + i)}.json`), valid());
      own(join(dir, `${id(100 + i)}.json`));
    }
    const desk = new ExceptionDesk(state);
    assert.deepEqual(desk.collect([user]), { taken: 10, refused: 0 });
    assert.equal(readdirSync(dir).length, 15);
    assert.deepEqual(desk.collect([user]), { taken: 10, refused: 0 });
    const rec = desk.load();
    assert.equal(rec.requests.length, 20);
    assert.ok(rec.requests.every((r) => r.state === 'queued' && r.local_user === 'alice' && r.user_key === String(EMPLOYEE)));
    // The agent's record is its own: 0600 in its state folder.
    assert.equal(lstatSync(join(state.dir, 'exception-requests.json')).mode & 0o777, 0o600);
    // The employee's status file is theirs alone to read.
    desk.publish([user]);
    const pub = lstatSync(join(inboxDir(state, user), '..', 'exceptions.json'));
    assert.equal(pub.mode & 0o777, 0o400);
    assert.equal(pub.uid, EMPLOYEE);
  } finally {
    t.cleanup();
  }
});

test("each employee's exceptions.json holds only their own requests, owned by them", { skip: !root && 'needs root to own files as two users' }, () => {
  const { t, state, user: alice, dir: aliceInbox, own } = setup('inbox-two');
  try {
    const bob: PublicUser = { key: String(OTHER), uid: OTHER, gid: OTHER, names: ['bob'], homes: [] };
    prepareUserDir(state, bob);
    const bobInbox = prepareInbox(state, bob);
    writeFileSync(join(aliceInbox, `${id(1)}.json`), valid('claude-code'));
    own(join(aliceInbox, `${id(1)}.json`));
    writeFileSync(join(bobInbox, `${id(2)}.json`), valid('cursor'));
    chownSync(join(bobInbox, `${id(2)}.json`), OTHER, OTHER);
    // bob drops a file into his own inbox that claims to be alice's request id: it stays his.
    writeFileSync(join(bobInbox, `${id(1)}.json`), valid('aider'));
    chownSync(join(bobInbox, `${id(1)}.json`), OTHER, OTHER);
    const desk = new ExceptionDesk(state);
    assert.deepEqual(desk.collect([alice, bob]), { taken: 3, refused: 0 });
    desk.publish([alice, bob]);
    const read = (u: PublicUser) => {
      const p = join(inboxDir(state, u), '..', 'exceptions.json');
      assert.equal(lstatSync(p).uid, u.uid);
      return (JSON.parse(readFileSync(p, 'utf8')) as { requests: { tool: string }[] }).requests.map((r) => r.tool).sort();
    };
    assert.deepEqual(read(alice), ['claude-code']);
    assert.deepEqual(read(bob), ['aider', 'cursor']);
    assert.deepEqual(desk.load().requests.map((r) => [r.local_user, r.tool]).sort(), [['alice', 'claude-code'], ['bob', 'aider'], ['bob', 'cursor']]);
  } finally {
    t.cleanup();
  }
});

test('whatever answers at the server address: a refusal marks the request refused with the reason, a malformed answer keeps it queued, a bad list changes nothing', async () => {
  const { t, state, user, dir, own } = setup('inbox-hostile');
  const { createServer } = await import('node:http');
  const { AgentClient } = await import('../../agent/src/sync/client.ts');
  let mode: 'refuse' | 'garbage' | 'ok' = 'refuse';
  const http = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET') return void res.end(JSON.stringify({ exceptions: [{ id: 'srv-1', tool: 'claude-code', state: 'approved-forever', expires_at: null, decided_at: null, decision_note: null }] }));
    if (mode === 'refuse') return void res.writeHead(400).end(JSON.stringify({ message: 'reason: too short for IT' }));
    if (mode === 'garbage') return void res.writeHead(201).end(JSON.stringify({ id: 7, state: 'whatever' }));
    res.writeHead(201).end(JSON.stringify({ id: 'srv-1', tool: 'claude-code', state: 'pending', expires_at: null, decided_at: null, decision_note: null }));
  });
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  try {
    const client = new AgentClient(`http://127.0.0.1:${(http.address() as { port: number }).port}`, 2000);
    client.credential = 'device-credential';
    const desk = new ExceptionDesk(state);
    const put = (n: number) => {
      writeFileSync(join(dir, `${id(n)}.json`), valid());
      own(join(dir, `${id(n)}.json`));
    };
    put(1);
    desk.collect([user]);
    await desk.exchange(client);
    assert.deepEqual(desk.load().requests.map((r) => [r.state, r.error]), [['refused', 'POST /api/v1/agent/exceptions: 400 reason: too short for IT']]);
    mode = 'garbage';
    put(2);
    desk.collect([user]);
    await assert.rejects(desk.exchange(client), /the server's answer to an exception request is invalid/);
    assert.equal(desk.load().requests.find((r) => r.id === id(2))?.state, 'queued');
    mode = 'ok';
    await assert.rejects(desk.exchange(client), /the server's exception list is invalid/);
    const r2 = desk.load().requests.find((r) => r.id === id(2));
    assert.deepEqual([r2?.state, r2?.server_id], ['pending', 'srv-1'], 'taken by the server; the invalid list did not make it approved');
    // A corrupt record (a disk fault) is kept aside and the agent goes on with a fresh one.
    writeFileSync(join(state.dir, 'exception-requests.json'), '{"requests": [');
    assert.deepEqual(desk.load(), { requests: [], refused: [] });
    assert.ok(readdirSync(state.dir).some((n) => n.startsWith('exception-requests.json.corrupt-')));
  } finally {
    http.close();
    t.cleanup();
  }
});
