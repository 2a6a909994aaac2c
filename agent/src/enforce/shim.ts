// The notice shim left where a quarantined command was: running `claude` prints the company's message
// and the approved alternative and exits non-zero (like Santa's TTY message). It holds text only;
// nothing in it is interpolated by a shell (single-quoted printf arguments / escaped cmd echo).
import { closeSync, fstatSync, readSync } from 'node:fs';
import { SHIM_EXIT, SHIM_MARKER, isNoticeShimText } from '../../../wire/src/shim-marker.ts';
import { openRegularNoFollow } from './tree.ts';
export { SHIM_EXIT, SHIM_MARKER }; // shared with the inventory, which must recognise the shim

export interface ShimText {
  id: string;
  toolName: string;
  message: string;
  alternative: string;
}

function lines(t: ShimText): string[] {
  const clean = (s: string): string[] =>
    s
      .replace(/[^\P{Cc}\n]/gu, '') // no control characters except newlines
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '');
  const out = [`warden: ${t.toolName} is blocked on this device by company policy.`, ...clean(t.message)];
  if (t.alternative) out.push(...clean(`Approved alternative: ${t.alternative}`));
  out.push(`(quarantine ${t.id}; ask IT if you need an exception)`);
  return out;
}

export function shimFor(path: string, t: ShimText): string {
  if (/\.(cmd|bat)$/i.test(path)) {
    const esc = (l: string): string => l.replace(/%/g, '%%').replace(/[\^&|<>()]/g, '^$&');
    return ['@echo off', `rem ${SHIM_MARKER} ${t.id}`, ...lines(t).map((l) => `echo ${esc(l)} 1>&2`), `exit /b ${SHIM_EXIT}`, ''].join('\r\n');
  }
  const q = (l: string): string => `'${l.replace(/'/g, `'\\''`)}'`;
  return ['#!/bin/sh', `# ${SHIM_MARKER} ${t.id}`, `printf '%s\\n' ${lines(t).map(q).join(' ')} >&2`, `exit ${SHIM_EXIT}`, ''].join('\n');
}

/**
 * The start of the regular file at `path`, read without following a link or blocking on a FIFO;
 * null when it is anything else, larger than `maxSize`, or unreadable. Users control these paths.
 */
function readSmallFile(path: string, maxBytes: number, maxSize = Infinity): string | null {
  let fd: number;
  try {
    fd = openRegularNoFollow(path);
  } catch {
    return null;
  }
  try {
    if (fstatSync(fd).size > maxSize) return null;
    const buf = Buffer.alloc(maxBytes);
    let off = 0;
    while (off < maxBytes) {
      const n = readSync(fd, buf, off, maxBytes - off, null);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Is the file at `path` our shim for quarantine `id` (so it may be removed on restore)? */
export function isOurShim(path: string, id: string): boolean {
  return readSmallFile(path, 200)?.includes(`${SHIM_MARKER} ${id}`) ?? false;
}

/** Windows executables cannot be replaced by a text notice: only scripts and extension-less commands get one. */
export function canShim(path: string): boolean {
  return !/\.(exe|dll|com)$/i.test(path);
}

/** Is the file at `path` any warden notice shim (left by an earlier quarantine)? Never re-quarantined. */
export function isShimFile(path: string): boolean {
  const text = readSmallFile(path, 64 * 1024, 64 * 1024);
  return text !== null && isNoticeShimText(text); // marker AND shape: a wrapper with the marker is not exempt
}
