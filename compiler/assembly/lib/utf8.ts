// UTF-8 decoding/encoding and simple case mapping over raw byte buffers.
// Invalid sequences decode as U+FFFD with width 1, as Go's utf8.DecodeRune does.

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

// Simple case mapping: ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic basic blocks.
export function to_lower(r: i32): i32 {
  if (r < 0x80) return r >= 0x41 && r <= 0x5a ? r + 32 : r;
  if (r >= 0xc0 && r <= 0xde && r != 0xd7) return r + 32;
  if (r >= 0x100 && r <= 0x17f) {
    if (r == 0x130) return 0x69;
    if ((r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17e)) return (r & 1) ? r + 1 : r;
    if (r == 0x178) return 0xff;
    if (r != 0x138 && r != 0x149 && r != 0x17f) return (r & 1) ? r : r + 1;
    return r;
  }
  if (r >= 0x391 && r <= 0x3ab && r != 0x3a2) return r + 32;
  if (r >= 0x410 && r <= 0x42f) return r + 32;
  if (r >= 0x400 && r <= 0x40f) return r + 80;
  return r;
}

export function to_upper(r: i32): i32 {
  if (r < 0x80) return r >= 0x61 && r <= 0x7a ? r - 32 : r;
  if (r >= 0xe0 && r <= 0xfe && r != 0xf7) return r - 32;
  if (r == 0xff) return 0x178;
  if (r == 0xb5) return 0x39c;
  if (r >= 0x100 && r <= 0x17f) {
    if (r == 0x131) return 0x49;
    if ((r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17e)) return (r & 1) ? r : r - 1;
    if (r == 0x17f) return 0x53;
    if (r != 0x138 && r != 0x149 && r != 0x130 && r != 0x178) return (r & 1) ? r - 1 : r;
    return r;
  }
  if (r >= 0x3b1 && r <= 0x3cb && r != 0x3c2) return r - 32;
  if (r == 0x3c2) return 0x3a3;
  if (r >= 0x430 && r <= 0x44f) return r - 32;
  if (r >= 0x450 && r <= 0x45f) return r - 80;
  return r;
}

/** Unicode white space as Go's unicode.IsSpace defines it. */
export function is_space(r: i32): bool {
  if (r == 0x20 || (r >= 0x09 && r <= 0x0d)) return true;
  if (r < 0x80) return false;
  return r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) ||
    r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000;
}
