// A growable output byte buffer in scratch memory, for algorithms whose output size is not known
// ahead. Only one buffer is active at a time: buf_begin starts it, buf_end returns its pointer and
// sets out_len. Growth copies into a doubled allocation (the old block stays in the bump heap).
import { lib_alloc, set_out_len } from './alloc';

let base: usize = 0;
let cap: usize = 0;
let used: usize = 0;

export function buf_begin(hint: usize): void {
  cap = hint < 16 ? 16 : hint;
  base = lib_alloc(cap);
  used = 0;
}

function ensure(extra: usize): void {
  if (used + extra <= cap) return;
  let n = cap * 2;
  while (n < used + extra) n *= 2;
  const nb = lib_alloc(n);
  memory.copy(nb, base, used);
  base = nb;
  cap = n;
}

export function buf_byte(b: i32): void {
  ensure(1);
  store<u8>(base + used, <u8>b);
  used++;
}

export function buf_bytes(p: usize, n: usize): void {
  ensure(n);
  memory.copy(base + used, p, n);
  used += n;
}

/** Reserves n bytes and returns where to write them. */
export function buf_reserve(n: usize): usize {
  ensure(n);
  const p = base + used;
  used += n;
  return p;
}

export function buf_len(): usize {
  return used;
}

/** Drops bytes past n (used to undo a partial write). */
export function buf_truncate(n: usize): void {
  if (n < used) used = n;
}

export function buf_end(): usize {
  set_out_len(used);
  return base;
}

/** Start of the active buffer (valid until the next write that grows it). */
export function buf_ptr(): usize {
  return base;
}
