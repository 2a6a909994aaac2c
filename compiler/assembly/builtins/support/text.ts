// Byte-string helpers shared by the string builtins (values are UTF-8; offsets are bytes unless
// a name says runes).
import { malloc } from '../../alloc';
import { TYPE_STRING, vtype, str_len, str_ptr, opa_string } from '../../value';

export function is_str(v: usize): bool {
  return vtype(v) == TYPE_STRING;
}

/** Byte offset of the first occurrence of needle in hay at or after `from`, or -1. */
export function find_bytes(h: usize, hl: usize, nd: usize, nl: usize, from: usize): isize {
  if (nl == 0) return from <= hl ? <isize>from : -1;
  if (nl > hl) return -1;
  const first = load<u8>(nd);
  for (let i = from; i + nl <= hl; i++) {
    if (load<u8>(h + i) == first && memory.compare(h + i, nd, nl) == 0) return <isize>i;
  }
  return -1;
}

export function has_prefix(h: usize, hl: usize, p: usize, pl: usize): bool {
  return pl <= hl && memory.compare(h, p, pl) == 0;
}

export function has_suffix(h: usize, hl: usize, s: usize, sl: usize): bool {
  return sl <= hl && memory.compare(h + hl - sl, s, sl) == 0;
}

/** A string value over a copy of the bytes. */
export function str_copy(p: usize, len: usize): usize {
  const d = malloc(len);
  memory.copy(d, p, len);
  return opa_string(d, <u32>len);
}

/** A string value sharing the bytes of an existing string (values are immutable). */
export function str_slice(v: usize, from: usize, to: usize): usize {
  return opa_string(str_ptr(v) + from, <u32>(to - from));
}

export function sp(v: usize): usize {
  return str_ptr(v);
}

export function sl(v: usize): usize {
  return <usize>str_len(v);
}
