// String search builtins (offsets in code points, like OPA): indexof, indexof_n, substring,
// strings.count, strings.any_prefix_match, strings.any_suffix_match.
import {
  TYPE_ARRAY, TYPE_SET, TYPE_NUMBER, vtype, coll_len, arr_get, set_get, opa_boolean, opa_number_int, opa_string,
  opa_array_with_cap, num_is_int, num_to_i64,
} from '../value';
import { opa_array_append } from '../collections';
import { count_runes, rune_offset } from '../lib/utf8';
import { is_str, find_bytes, has_prefix, has_suffix, sp, sl } from './support/text';
import { type_error, builtin_error, err_begin, err_str, err_int, err_end } from './support/errors';

export function opa_builtin_indexof(h: usize, n: usize): usize {
  if (!is_str(h)) return type_error('indexof', 1, 'string', h);
  if (!is_str(n)) return type_error('indexof', 2, 'string', n);
  if (sl(n) == 0) return opa_number_int(-1); // as OPA/regorus: an empty needle is never found
  const i = find_bytes(sp(h), sl(h), sp(n), sl(n), 0);
  if (i < 0) return opa_number_int(-1);
  return opa_number_int(count_runes(sp(h), <usize>i));
}

export function opa_builtin_indexof_n(h: usize, n: usize): usize {
  if (!is_str(h)) return type_error('indexof_n', 1, 'string', h);
  if (!is_str(n)) return type_error('indexof_n', 2, 'string', n);
  const out = opa_array_with_cap(4);
  const hp = sp(h);
  const hl = sl(h);
  let from: usize = 0;
  let runes: i32 = 0;
  let counted: usize = 0;
  while (from <= hl) {
    const i = find_bytes(hp, hl, sp(n), sl(n), from);
    if (i < 0) break;
    runes += count_runes(hp + counted, <usize>i - counted);
    counted = <usize>i;
    opa_array_append(out, opa_number_int(runes));
    // Overlapping matches, as OPA's loop does (advance one code point).
    from = <usize>i + (sl(n) > 0 ? rune_offset(hp + <usize>i, hl - <usize>i, 1) : 1);
    if (sl(n) == 0 && <usize>i >= hl) break;
  }
  return out;
}

function int_arg(v: usize): bool {
  return vtype(v) == TYPE_NUMBER && num_is_int(v);
}

export function opa_builtin_substring(v: usize, off: usize, len: usize): usize {
  if (!is_str(v)) return type_error('substring', 1, 'string', v);
  if (!int_arg(off)) return type_error('substring', 2, 'integer', off);
  if (!int_arg(len)) return type_error('substring', 3, 'integer', len);
  const o = num_to_i64(off);
  const l = num_to_i64(len);
  if (o < 0) return builtin_error('substring', 'negative offset');
  const p = sp(v);
  const n = sl(v);
  if (o > 0x7fffffff) return opa_string(p, 0);
  const start = rune_offset(p, n, <i32>o);
  if (start >= n) return opa_string(p, 0);
  let end = n;
  if (l >= 0 && l < 0x7fffffff) end = start + rune_offset(p + start, n - start, <i32>l);
  return opa_string(p + start, <u32>(end - start));
}

/** strings.count: non-overlapping occurrences (Go strings.Count; "" counts runes + 1). */
export function opa_builtin_strings_count(h: usize, n: usize): usize {
  if (!is_str(h)) return type_error('strings.count', 1, 'string', h);
  if (!is_str(n)) return type_error('strings.count', 2, 'string', n);
  if (sl(n) == 0) return opa_number_int(count_runes(sp(h), sl(h)) + 1);
  let c: i64 = 0;
  let from: usize = 0;
  while (true) {
    const i = find_bytes(sp(h), sl(h), sp(n), sl(n), from);
    if (i < 0) break;
    c++;
    from = <usize>i + sl(n);
  }
  return opa_number_int(c);
}

// Operand check for any_prefix/suffix_match: a string, or an array/set of strings.
function check_strings(name: string, i: i32, v: usize): bool {
  const t = vtype(v);
  if (is_str(v)) return true;
  if (t != TYPE_ARRAY && t != TYPE_SET) {
    type_error(name, i, 'one of {string, set, array}', v);
    return false;
  }
  const n = coll_len(v);
  for (let k: u32 = 0; k < n; k++) {
    const e = t == TYPE_ARRAY ? arr_get(v, k) : set_get(v, k);
    if (!is_str(e)) {
      err_begin('eval_type_error');
      err_str(name);
      err_str(': operand ');
      err_int(i);
      err_str(t == TYPE_ARRAY ? ' must be array of strings but got array containing ' : ' must be set of strings but got set containing ');
      const et = vtype(e);
      err_str(et == 1 ? 'null' : et == 2 ? 'boolean' : et == 3 ? 'number' : et == 5 ? 'array' : et == 6 ? 'object' : 'set');
      err_end();
      return false;
    }
  }
  return true;
}

function count_of(v: usize): u32 {
  return is_str(v) ? 1 : coll_len(v);
}

function item(v: usize, i: u32): usize {
  if (is_str(v)) return v;
  return vtype(v) == TYPE_ARRAY ? arr_get(v, i) : set_get(v, i);
}

function any_match(name: string, search: usize, base: usize, suffix: bool): usize {
  if (!check_strings(name, 1, search)) return 0;
  if (!check_strings(name, 2, base)) return 0;
  const ns = count_of(search);
  const nb = count_of(base);
  for (let i: u32 = 0; i < ns; i++) {
    const s = item(search, i);
    for (let j: u32 = 0; j < nb; j++) {
      const b = item(base, j);
      const ok = suffix ? has_suffix(sp(s), sl(s), sp(b), sl(b)) : has_prefix(sp(s), sl(s), sp(b), sl(b));
      if (ok) return opa_boolean(true);
    }
  }
  return opa_boolean(false);
}

export function opa_builtin_strings_any_prefix_match(search: usize, base: usize): usize {
  return any_match('strings.any_prefix_match', search, base, false);
}

export function opa_builtin_strings_any_suffix_match(search: usize, base: usize): usize {
  return any_match('strings.any_suffix_match', search, base, true);
}
