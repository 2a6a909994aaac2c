// UTF-8 decoding/encoding and simple case mapping over raw byte buffers.
// Invalid sequences decode as U+FFFD with width 1, as Go's utf8.DecodeRune does.
import { LOWER, LOWER_ROWS, UPPER, UPPER_ROWS } from './casetables';

/** Width in bytes of the rune most recently decoded by decode_rune. */
export let rune_width: i32 = 0;

export function decode_rune(p: usize, end: usize): i32 {
  if (p >= end) {
    rune_width = 0;
    return -1;
  }
  const b0 = <i32>load<u8>(p);
  if (b0 < 0x80) {
    rune_width = 1;
    return b0;
  }
  let need = 0;
  let r = 0;
  let min = 0;
  if ((b0 & 0xe0) == 0xc0) {
    need = 1; r = b0 & 0x1f; min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    need = 2; r = b0 & 0x0f; min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    need = 3; r = b0 & 0x07; min = 0x10000;
  } else {
    rune_width = 1;
    return 0xfffd;
  }
  if (<usize>need > end - p - 1) {
    rune_width = 1;
    return 0xfffd;
  }
  for (let i = 1; i <= need; i++) {
    const b = <i32>load<u8>(p + <usize>i);
    if ((b & 0xc0) != 0x80) {
      rune_width = 1;
      return 0xfffd;
    }
    r = (r << 6) | (b & 0x3f);
  }
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) {
    rune_width = 1;
    return 0xfffd;
  }
  rune_width = need + 1;
  return r;
}

/** Bytes needed to encode r. */
export function rune_len(r: i32): i32 {
  if (r < 0x80) return 1;
  if (r < 0x800) return 2;
  if (r < 0x10000) return 3;
  return 4;
}

/** Writes r at p; returns the number of bytes written. */
export function encode_rune(p: usize, r: i32): i32 {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  if (r < 0x80) {
    store<u8>(p, <u8>r);
    return 1;
  }
  if (r < 0x800) {
    store<u8>(p, <u8>(0xc0 | (r >> 6)));
    store<u8>(p + 1, <u8>(0x80 | (r & 0x3f)));
    return 2;
  }
  if (r < 0x10000) {
    store<u8>(p, <u8>(0xe0 | (r >> 12)));
    store<u8>(p + 1, <u8>(0x80 | ((r >> 6) & 0x3f)));
    store<u8>(p + 2, <u8>(0x80 | (r & 0x3f)));
    return 3;
  }
  store<u8>(p, <u8>(0xf0 | (r >> 18)));
  store<u8>(p + 1, <u8>(0x80 | ((r >> 12) & 0x3f)));
  store<u8>(p + 2, <u8>(0x80 | ((r >> 6) & 0x3f)));
  store<u8>(p + 3, <u8>(0x80 | (r & 0x3f)));
  return 4;
}

/** Number of runes (code points) in the buffer. */
export function count_runes(p: usize, len: usize): i32 {
  const end = p + len;
  let n = 0;
  while (p < end) {
    decode_rune(p, end);
    p += <usize>rune_width;
    n++;
  }
  return n;
}

/** Byte offset of the rune with index `idx` (or len if past the end). */
export function rune_offset(p: usize, len: usize, idx: i32): usize {
  const end = p + len;
  let q = p;
  while (idx > 0 && q < end) {
    decode_rune(q, end);
    q += <usize>rune_width;
    idx--;
  }
  return q - p;
}

// Simple case mapping (one code point to one, like Go's unicode.ToLower/ToUpper) from generated
// range tables; ASCII takes a fast path.
function map_case(rows: usize, n: i32, r: i32): i32 {
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (load<i32>(rows + (<usize>mid << 4)) <= r) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return r;
  const row = rows + (<usize>found << 4);
  const first = load<i32>(row);
  if (r > load<i32>(row, 4) || (r - first) % load<i32>(row, 12) != 0) return r;
  return r + load<i32>(row, 8);
}

export function to_lower(r: i32): i32 {
  if (r < 0x80) return r >= 0x41 && r <= 0x5a ? r + 32 : r;
  return map_case(LOWER, LOWER_ROWS, r);
}

export function to_upper(r: i32): i32 {
  if (r < 0x80) return r >= 0x61 && r <= 0x7a ? r - 32 : r;
  return map_case(UPPER, UPPER_ROWS, r);
}

/** Unicode white space as Go's unicode.IsSpace defines it. */
export function is_space(r: i32): bool {
  if (r == 0x20 || (r >= 0x09 && r <= 0x0d)) return true;
  if (r < 0x80) return false;
  return r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) ||
    r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000;
}
