// net.cidr_contains, net.cidr_intersects, net.cidr_is_valid, net.cidr_expand, net.cidr_merge,
// net.cidr_contains_matches (Go net semantics via lib/ip).
import { malloc } from '../alloc';
import {
  TYPE_ARRAY, TYPE_SET, TYPE_OBJECT, vtype, coll_len, arr_get, set_get, obj_key_at, obj_val_at, opa_boolean,
  opa_string, opa_array_with_cap, opa_set, opa_number_int,
} from '../value';
import { opa_array_append, opa_set_add } from '../collections';
import { parse_cidr, ip_family, ip_hi, ip_lo, ip_prefix, mask_hi, mask_lo, format_ip, format_cidr, family_bits } from '../lib/ip';
import { buf_begin, buf_end } from '../lib/buf';
import { get_out_len } from '../lib/alloc';
import { is_str, sp, sl } from './support/text';
import { type_error, err_begin, err_str, err_bytes, err_end, builtin_error } from './support/errors';

function invalid(name: string, v: usize): usize {
  err_begin();
  err_str(name);
  err_str(': invalid CIDR address: ');
  err_bytes(sp(v), sl(v));
  return err_end();
}

// Network A (family, hi, lo, prefix) saved from the last parse.
let af: i32 = 0;
let ahi: u64 = 0;
let alo: u64 = 0;
let apx: i32 = 0;

function save_a(): void {
  af = ip_family;
  ahi = ip_hi;
  alo = ip_lo;
  apx = ip_prefix;
}

/** Does network A contain the last parsed network (ip_*)? */
function a_contains_b(): bool {
  if (af != ip_family || ip_prefix < apx) return false;
  return mask_hi(af, ip_hi, apx) == ahi && mask_lo(af, ip_lo, apx) == alo;
}

export function opa_builtin_net_cidr_contains(cidr: usize, x: usize): usize {
  if (!is_str(cidr)) return type_error('net.cidr_contains', 1, 'string', cidr);
  if (!is_str(x)) return type_error('net.cidr_contains', 2, 'string', x);
  if (!parse_cidr(sp(cidr), sl(cidr), false, false)) return invalid('net.cidr_contains', cidr);
  save_a();
  if (!parse_cidr(sp(x), sl(x), true, false)) return invalid('net.cidr_contains', x);
  return opa_boolean(a_contains_b());
}

export function opa_builtin_net_cidr_intersects(a: usize, b: usize): usize {
  if (!is_str(a)) return type_error('net.cidr_intersects', 1, 'string', a);
  if (!is_str(b)) return type_error('net.cidr_intersects', 2, 'string', b);
  if (!parse_cidr(sp(a), sl(a), false, false)) return invalid('net.cidr_intersects', a);
  save_a();
  if (!parse_cidr(sp(b), sl(b), false, false)) return invalid('net.cidr_intersects', b);
  if (af != ip_family) return opa_boolean(false);
  const p = apx < ip_prefix ? apx : ip_prefix;
  return opa_boolean(mask_hi(af, ahi, p) == mask_hi(af, ip_hi, p) && mask_lo(af, alo, p) == mask_lo(af, ip_lo, p));
}

export function opa_builtin_net_cidr_is_valid(v: usize): usize {
  if (!is_str(v)) return opa_boolean(false);
  return opa_boolean(parse_cidr(sp(v), sl(v), false, false));
}

function str_of_ip(f: i32, hi: u64, lo: u64): usize {
  buf_begin(48);
  format_ip(f, hi, lo);
  const p = buf_end();
  return opa_string(p, <u32>get_out_len());
}

function str_of_cidr(f: i32, hi: u64, lo: u64, px: i32): usize {
  buf_begin(52);
  format_cidr(f, hi, lo, px);
  const p = buf_end();
  return opa_string(p, <u32>get_out_len());
}

export function opa_builtin_net_cidr_expand(v: usize): usize {
  if (!is_str(v)) return type_error('net.cidr_expand', 1, 'string', v);
  if (!parse_cidr(sp(v), sl(v), false, false)) return invalid('net.cidr_expand', v);
  const hostBits = family_bits(ip_family) - ip_prefix;
  if (hostBits > 20) return builtin_error('net.cidr_expand', 'CIDR too large to expand (more than 2^20 addresses)');
  const count: u64 = <u64>1 << <u64>hostBits;
  const out = opa_array_with_cap(<u32>count);
  const f = ip_family;
  const hi = ip_hi;
  const lo = ip_lo;
  for (let i: u64 = 0; i < count; i++) opa_array_append(out, str_of_ip(f, hi, lo + i));
  return out;
}

// ---- cidr_merge ----
// Records of 24 bytes: family (i32), prefix (i32), hi (u64), lo (u64).

function rec_less(a: usize, b: usize): bool {
  const fa = load<i32>(a);
  const fb = load<i32>(b);
  if (fa != fb) return fa < fb;
  const ha = load<u64>(a, 8);
  const hb = load<u64>(b, 8);
  if (ha != hb) return ha < hb;
  const la = load<u64>(a, 16);
  const lb = load<u64>(b, 16);
  if (la != lb) return la < lb;
  return load<i32>(a, 4) < load<i32>(b, 4);
}

function rec_set(r: usize, f: i32, px: i32, hi: u64, lo: u64): void {
  store<i32>(r, f);
  store<i32>(r, px, 4);
  store<u64>(r, hi, 8);
  store<u64>(r, lo, 16);
}

/** Are records a and b the two halves of one network one bit shorter? */
function siblings(a: usize, b: usize): bool {
  const f = load<i32>(a);
  const px = load<i32>(a, 4);
  if (f != load<i32>(b) || px != load<i32>(b, 4) || px == 0) return false;
  const ph = mask_hi(f, load<u64>(a, 8), px - 1);
  const pl = mask_lo(f, load<u64>(a, 16), px - 1);
  return ph == load<u64>(a, 8) && pl == load<u64>(a, 16) &&
    mask_hi(f, load<u64>(b, 8), px - 1) == ph && mask_lo(f, load<u64>(b, 16), px - 1) == pl &&
    !(load<u64>(b, 8) == ph && load<u64>(b, 16) == pl);
}

function contains_rec(a: usize, b: usize): bool {
  const f = load<i32>(a);
  const px = load<i32>(a, 4);
  if (f != load<i32>(b) || load<i32>(b, 4) < px) return false;
  return mask_hi(f, load<u64>(b, 8), px) == load<u64>(a, 8) && mask_lo(f, load<u64>(b, 16), px) == load<u64>(a, 16);
}

export function opa_builtin_net_cidr_merge(v: usize): usize {
  const t = vtype(v);
  if (t != TYPE_ARRAY && t != TYPE_SET) return type_error('net.cidr_merge', 1, 'one of {array, set}', v);
  const n = coll_len(v);
  const recs = malloc(<usize>(n + 1) * 24);
  for (let i: u32 = 0; i < n; i++) {
    const e = t == TYPE_ARRAY ? arr_get(v, i) : set_get(v, i);
    if (!is_str(e)) return type_error('net.cidr_merge', 1, 'array of strings', e);
    if (!parse_cidr(sp(e), sl(e), true, true)) {
      // A bare IPv6 address has no default mask.
      let slash = false;
      for (let k: usize = 0; k < sl(e); k++) if (load<u8>(sp(e) + k) == 47) slash = true;
      let colon = false;
      for (let k: usize = 0; k < sl(e); k++) if (load<u8>(sp(e) + k) == 58) colon = true;
      if (!slash && colon) return builtin_error('net.cidr_merge', 'IPv6 invalid: needs prefix length');
      return invalid('net.cidr_merge', e);
    }
    rec_set(recs + <usize>i * 24, ip_family, ip_prefix, ip_hi, ip_lo);
  }
  // Insertion sort by (family, address, prefix).
  const tmp = malloc(24);
  for (let i: u32 = 1; i < n; i++) {
    memory.copy(tmp, recs + <usize>i * 24, 24);
    let j = <i32>i - 1;
    while (j >= 0 && rec_less(tmp, recs + <usize>j * 24)) {
      memory.copy(recs + <usize>(j + 1) * 24, recs + <usize>j * 24, 24);
      j--;
    }
    memory.copy(recs + <usize>(j + 1) * 24, tmp, 24);
  }
  // Stack: drop contained networks, merge sibling pairs upward.
  const stack = malloc(<usize>(n + 1) * 24);
  let top = 0;
  for (let i: u32 = 0; i < n; i++) {
    const r = recs + <usize>i * 24;
    if (top > 0 && contains_rec(stack + <usize>(top - 1) * 24, r)) continue;
    memory.copy(stack + <usize>top * 24, r, 24);
    top++;
    while (top >= 2 && siblings(stack + <usize>(top - 2) * 24, stack + <usize>(top - 1) * 24)) {
      const a = stack + <usize>(top - 2) * 24;
      store<i32>(a, load<i32>(a, 4) - 1, 4);
      top--;
      // Entries are sorted and disjoint, so the merged parent cannot contain the one below it.
    }
  }
  const out = opa_array_with_cap(<u32>top);
  for (let i = 0; i < top; i++) {
    const r = stack + <usize>i * 24;
    opa_array_append(out, str_of_cidr(load<i32>(r), load<u64>(r, 8), load<u64>(r, 16), load<i32>(r, 4)));
  }
  return out;
}

// ---- cidr_contains_matches ----

/** The CIDR/IP string of a collection element: a string, or the first item of a non-empty array. */
function elem_str(e: usize): usize {
  if (is_str(e)) return e;
  if (vtype(e) == TYPE_ARRAY && coll_len(e) > 0 && is_str(arr_get(e, 0))) return arr_get(e, 0);
  return 0;
}

function bad_elem(operand: string): usize {
  err_begin();
  err_str('net.cidr_contains_matches: operand ');
  err_str(operand);
  err_str(': element must be string or non-empty array');
  return err_end();
}

function coll_count(v: usize): u32 {
  return is_str(v) ? 1 : coll_len(v);
}

// Key and element i of a string/array/set/object operand.
function key_at(v: usize, i: u32): usize {
  const t = vtype(v);
  if (is_str(v)) return v;
  if (t == TYPE_ARRAY) return opa_number_int(<i64>i);
  if (t == TYPE_SET) return set_get(v, i);
  return obj_key_at(v, i);
}

function elem_at(v: usize, i: u32): usize {
  const t = vtype(v);
  if (is_str(v)) return v;
  if (t == TYPE_ARRAY) return arr_get(v, i);
  if (t == TYPE_SET) return set_get(v, i);
  return obj_val_at(v, i);
}

function check_operand(v: usize, operand: string, idx: i32): bool {
  const t = vtype(v);
  if (!is_str(v) && t != TYPE_ARRAY && t != TYPE_SET && t != TYPE_OBJECT) {
    type_error('net.cidr_contains_matches', idx, 'one of {string, array, set, object}', v);
    return false;
  }
  const n = coll_count(v);
  for (let i: u32 = 0; i < n; i++) {
    if (elem_str(elem_at(v, i)) == 0) {
      bad_elem(operand);
      return false;
    }
  }
  return true;
}

export function opa_builtin_net_cidr_contains_matches(cidrs: usize, xs: usize): usize {
  if (!check_operand(cidrs, '1', 1)) return 0;
  if (!check_operand(xs, '2', 2)) return 0;
  const out = opa_set();
  const n = coll_count(cidrs);
  const m = coll_count(xs);
  for (let i: u32 = 0; i < n; i++) {
    const c = elem_str(elem_at(cidrs, i));
    if (!parse_cidr(sp(c), sl(c), false, false)) return invalid('net.cidr_contains_matches', c);
    save_a();
    for (let j: u32 = 0; j < m; j++) {
      const x = elem_str(elem_at(xs, j));
      if (!parse_cidr(sp(x), sl(x), true, false)) return invalid('net.cidr_contains_matches', x);
      if (a_contains_b()) {
        const pair = opa_array_with_cap(2);
        opa_array_append(pair, key_at(cidrs, i));
        opa_array_append(pair, key_at(xs, j));
        opa_set_add(out, pair);
      }
    }
  }
  return out;
}
