// IPv4/IPv6 addresses and CIDR prefixes as Go's net package parses and prints them. An address is
// a family (4 or 6) plus 128 bits in two u64 halves (IPv4 uses the low 32 bits of `lo`).
import { buf_byte } from './buf';

export let ip_family: i32 = 0;
export let ip_hi: u64 = 0;
export let ip_lo: u64 = 0;
export let ip_prefix: i32 = 0;

function digit(c: i32): i32 {
  return c >= 48 && c <= 57 ? c - 48 : -1;
}

function hex(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Dotted IPv4 at [p, p+n) (no leading zeros, like Go); -1 if invalid. */
function parse_v4(p: usize, n: usize): i64 {
  let v: u32 = 0;
  let i: usize = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= n || load<u8>(p + i) != 46) return -1;
      i++;
    }
    const start = i;
    let x = 0;
    while (i < n && digit(load<u8>(p + i)) >= 0) {
      x = x * 10 + digit(load<u8>(p + i));
      if (x > 255) return -1;
      i++;
    }
    if (i == start || (i - start > 1 && load<u8>(p + start) == 48)) return -1;
    v = (v << 8) | <u32>x;
  }
  if (i != n) return -1;
  return <i64>v;
}

/** Parses an address; sets ip_family/hi/lo. False if invalid. */
export function parse_ip(p: usize, n: usize): bool {
  const v4 = parse_v4(p, n);
  if (v4 >= 0) {
    ip_family = 4;
    ip_hi = 0;
    ip_lo = <u64>v4;
    return true;
  }
  // IPv6: up to 8 groups, one "::", optional trailing dotted IPv4.
  const groups = memory.data(16);
  let ng = 0;
  let ellipsis = -1;
  let i: usize = 0;
  if (n >= 2 && load<u8>(p) == 58 && load<u8>(p + 1) == 58) {
    ellipsis = 0;
    i = 2;
    if (i == n) {
      ip_family = 6;
      ip_hi = 0;
      ip_lo = 0;
      return true;
    }
  }
  while (i < n) {
    // Embedded IPv4 at the end?
    let j = i;
    while (j < n && hex(load<u8>(p + j)) >= 0) j++;
    if (j < n && load<u8>(p + j) == 46) {
      if (ng > 6) return false;
      const x = parse_v4(p + i, n - i);
      if (x < 0) return false;
      store<u16>(groups + (<usize>ng << 1), <u16>(x >> 16));
      store<u16>(groups + (<usize>(ng + 1) << 1), <u16>(x & 0xffff));
      ng += 2;
      i = n;
      break;
    }
    if (j == i || j - i > 4 || ng >= 8) return false;
    let g = 0;
    for (let k = i; k < j; k++) g = g * 16 + hex(load<u8>(p + k));
    store<u16>(groups + (<usize>ng << 1), <u16>g);
    ng++;
    i = j;
    if (i == n) break;
    if (load<u8>(p + i) != 58) return false;
    i++;
    if (i < n && load<u8>(p + i) == 58) {
      if (ellipsis >= 0) return false;
      ellipsis = ng;
      i++;
      if (i == n) break;
    } else if (i == n) return false;
  }
  if (ellipsis < 0 && ng != 8) return false;
  if (ellipsis >= 0 && ng > 7) return false;
  // Expand the ellipsis.
  const full = memory.data(16);
  memory.fill(full, 0, 16);
  if (ellipsis < 0) memory.copy(full, groups, 16);
  else {
    memory.copy(full, groups, <usize>ellipsis << 1);
    const tail = ng - ellipsis;
    memory.copy(full + (<usize>(8 - tail) << 1), groups + (<usize>ellipsis << 1), <usize>tail << 1);
  }
  let hi: u64 = 0;
  let lo: u64 = 0;
  for (let k = 0; k < 4; k++) hi = (hi << 16) | <u64>load<u16>(full + (<usize>k << 1));
  for (let k = 4; k < 8; k++) lo = (lo << 16) | <u64>load<u16>(full + (<usize>k << 1));
  ip_family = 6;
  ip_hi = hi;
  ip_lo = lo;
  return true;
}

export function family_bits(f: i32): i32 {
  return f == 4 ? 32 : 128;
}

/** Masks (hi, lo) to `prefix` bits of the family's width. */
export function mask_hi(f: i32, hi: u64, prefix: i32): u64 {
  if (f == 4) return 0;
  if (prefix >= 64) return hi;
  if (prefix <= 0) return 0;
  return hi & ~((<u64>-1) >> <u64>prefix);
}

export function mask_lo(f: i32, lo: u64, prefix: i32): u64 {
  if (f == 4) {
    if (prefix <= 0) return 0;
    return lo & (0xffffffff & ~((<u64>0xffffffff) >> <u64>prefix));
  }
  if (prefix <= 64) return 0;
  if (prefix >= 128) return lo;
  return lo & ~((<u64>-1) >> <u64>(prefix - 64));
}

/**
 * Parses "addr/prefix"; sets ip_* to the network (masked) address and ip_prefix. With
 * allowBare, a bare address is accepted with a full-length prefix (or, for IPv4 with
 * classful=true, Go's DefaultMask: /8, /16, /24).
 */
export function parse_cidr(p: usize, n: usize, allowBare: bool, classful: bool): bool {
  let slash: isize = -1;
  for (let i: usize = 0; i < n; i++) if (load<u8>(p + i) == 47) { slash = <isize>i; break; }
  if (slash < 0) {
    if (!allowBare || !parse_ip(p, n)) return false;
    ip_prefix = family_bits(ip_family);
    if (classful) {
      if (ip_family != 4) return false;
      const first = <u32>(ip_lo >> 24);
      if (first < 128) ip_prefix = 8;
      else if (first < 192) ip_prefix = 16;
      else if (first < 224) ip_prefix = 24;
      else return false;
    }
  } else {
    if (!parse_ip(p, <usize>slash)) return false;
    const s = <usize>slash + 1;
    if (s >= n) return false;
    let pr = 0;
    for (let i = s; i < n; i++) {
      const d = digit(load<u8>(p + i));
      if (d < 0) return false;
      pr = pr * 10 + d;
      if (pr > 1000) return false;
    }
    if (pr > family_bits(ip_family)) return false;
    ip_prefix = pr;
  }
  ip_hi = mask_hi(ip_family, ip_hi, ip_prefix);
  ip_lo = mask_lo(ip_family, ip_lo, ip_prefix);
  return true;
}

function put_dec(v: u32): void {
  if (v >= 100) buf_byte(48 + <i32>(v / 100));
  if (v >= 10) buf_byte(48 + <i32>((v / 10) % 10));
  buf_byte(48 + <i32>(v % 10));
}

function put_hex_group(g: u32): void {
  let started = false;
  for (let s = 12; s >= 0; s -= 4) {
    const d = (g >> <u32>s) & 15;
    if (d != 0 || started || s == 0) {
      buf_byte(d < 10 ? 48 + <i32>d : 87 + <i32>d);
      started = true;
    }
  }
}

/** Writes an address the way Go's net.IP.String does (RFC 5952 for IPv6). */
export function format_ip(f: i32, hi: u64, lo: u64): void {
  if (f == 4) {
    for (let k = 3; k >= 0; k--) {
      put_dec(<u32>((lo >> <u64>(8 * k)) & 255));
      if (k > 0) buf_byte(46);
    }
    return;
  }
  const g = memory.data(32);
  for (let k = 0; k < 4; k++) store<u32>(g + (<usize>k << 2), <u32>((hi >> <u64>(48 - 16 * k)) & 0xffff));
  for (let k = 0; k < 4; k++) store<u32>(g + (<usize>(k + 4) << 2), <u32>((lo >> <u64>(48 - 16 * k)) & 0xffff));
  // Longest run of zero groups (length >= 2) becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; k++) {
    let e = k;
    while (e < 8 && load<u32>(g + (<usize>e << 2)) == 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    if (e > k) k = e - 1;
  }
  for (let k = 0; k < 8; k++) {
    if (k == bestStart) {
      buf_byte(58);
      buf_byte(58);
      k += bestLen - 1;
      continue;
    }
    if (k > 0 && k != bestStart + bestLen) buf_byte(58);
    put_hex_group(load<u32>(g + (<usize>k << 2)));
  }
}

export function format_cidr(f: i32, hi: u64, lo: u64, prefix: i32): void {
  format_ip(f, hi, lo);
  buf_byte(47);
  put_dec(<u32>prefix);
}
