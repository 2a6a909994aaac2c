// Small durable-file helpers: every state file enforcement writes must survive kill -9 and power loss
// in a known state, so writes go to a temp file that is fsynced and renamed, then the folder is fsynced.
import { closeSync, fchmodSync, fchownSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** fsync a folder so a rename or unlink inside it is on disk. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // folder gone: nothing to make durable
  }
  try {
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on folders; the rename is still atomic
  } finally {
    closeSync(fd);
  }
}

/** Owner to give a file (an employee's own public file); the agent's own otherwise. */
export interface FileOwner {
  uid: number;
  gid: number;
}

/** Writes and fsyncs `path` in place (callers that rename it themselves, e.g. notice shims). */
export function writeFileSynced(path: string, data: string | Buffer, mode = 0o600, owner?: FileOwner): void {
  // 'wx': the name is new (temp names are per process), so an existing link is never written through.
  const fd = openSync(path, owner ? 'wx' : 'w', mode);
  try {
    if (owner) fchownSync(fd, owner.uid, owner.gid); // before any byte is written
    fchmodSync(fd, mode); // exact bits whatever the umask (a 0644 notice file must not become 0600)
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileDurable(path: string, data: string | Buffer, mode = 0o600, owner?: FileOwner): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    if (owner) rmSync(tmp, { force: true }); // a temp file a crash left behind
    writeFileSynced(tmp, data, mode, owner);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true }); // leave no half-written temp file behind
    throw e;
  }
  fsyncDir(dirname(path));
}

/** Appends one line and fsyncs before returning (append-only logs: outbox, audit). */
export function appendLineDurable(path: string, line: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'a', 0o600);
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
