// String builtins: concat, contains, startswith, endswith, lower, upper, split, replace,
// strings.replace_n, strings.reverse.
import { malloc } from '../alloc';
import {
  TYPE_ARRAY, TYPE_SET, TYPE_OBJECT, vtype, coll_len, arr_get, set_get, obj_key_at, obj_val_at, opa_boolean,
  opa_string, opa_array_with_cap,
} from '../value';
import { opa_array_append } from '../collections';
import { decode_rune, rune_width, encode_rune, to_lower, to_upper } from '../lib/utf8';
import { buf_begin, buf_bytes, buf_end, buf_reserve, buf_truncate, buf_len } from '../lib/buf';
import { get_out_len } from '../lib/alloc';
import { is_str, find_bytes, has_prefix, has_suffix, sp, sl } from './support/text';
import { type_error, err_begin, err_str, err_end } from './support/errors';

export function opa_builtin_concat(delim: usize, coll: usize): usize {
  if (!is_str(delim)) return type_error('concat', 1, 'string', delim);
  const t = vtype(coll);
  if (t != TYPE_ARRAY && t != TYPE_SET) return type_error('concat', 2, 'one of {array, set}', coll);
  const n = coll_len(coll);
  let total: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const e = t == TYPE_ARRAY ? arr_get(coll, i) : set_get(coll, i);
    if (!is_str(e)) return type_error('concat', 2, 'array of strings', e);
    total += sl(e);
  }
  if (n > 0) total += sl(delim) * <usize>(n - 1);
  const out = malloc(total);
  let q = out;
  for (let i: u32 = 0; i < n; i++) {
    const e = t == TYPE_ARRAY ? arr_get(coll, i) : set_get(coll, i);
    if (i > 0) {
      memory.copy(q, sp(delim), sl(delim));
      q += sl(delim);
    }
    memory.copy(q, sp(e), sl(e));
    q += sl(e);
  }
  return opa_string(out, <u32>total);
}

export function opa_builtin_contains(h: usize, n: usize): usize {
  if (!is_str(h)) return type_error('contains', 1, 'string', h);
  if (!is_str(n)) return type_error('contains', 2, 'string', n);
  return opa_boolean(find_bytes(sp(h), sl(h), sp(n), sl(n), 0) >= 0);
}

export function opa_builtin_startswith(h: usize, p: usize): usize {
  if (!is_str(h)) return type_error('startswith', 1, 'string', h);
  if (!is_str(p)) return type_error('startswith', 2, 'string', p);
  return opa_boolean(has_prefix(sp(h), sl(h), sp(p), sl(p)));
}

export function opa_builtin_endswith(h: usize, s: usize): usize {
  if (!is_str(h)) return type_error('endswith', 1, 'string', h);
  if (!is_str(s)) return type_error('endswith', 2, 'string', s);
  return opa_boolean(has_suffix(sp(h), sl(h), sp(s), sl(s)));
}

function map_case(v: usize, upper: bool): usize {
  const p = sp(v);
  const len = sl(v);
  const end = p + len;
  buf_begin(len + 8);
  let q = p;
  while (q < end) {
    const r = decode_rune(q, end);
    const w = rune_width;
    const m = upper ? to_upper(r) : to_lower(r);
    if (m == r) buf_bytes(q, <usize>w);
    else {
      const at = buf_reserve(4);
      const k = encode_rune(at, m);
      buf_truncate(buf_len() - 4 + <usize>k);
    }
    q += <usize>w;
  }
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

export function opa_builtin_lower(v: usize): usize {
  if (!is_str(v)) return type_error('lower', 1, 'string', v);
  return map_case(v, false);
}

export function opa_builtin_upper(v: usize): usize {
  if (!is_str(v)) return type_error('upper', 1, 'string', v);
  return map_case(v, true);
}

export function opa_builtin_split(v: usize, d: usize): usize {
  if (!is_str(v)) return type_error('split', 1, 'string', v);
  if (!is_str(d)) return type_error('split', 2, 'string', d);
  const p = sp(v);
  const len = sl(v);
  const dl = sl(d);
  const out = opa_array_with_cap(4);
  if (dl == 0) {
    // Go's strings.Split with an empty separator: one element per rune.
    let q: usize = 0;
    while (q < len) {
      decode_rune(p + q, p + len);
      opa_array_append(out, opa_string(p + q, <u32>rune_width));
      q += <usize>rune_width;
    }
    return out;
  }
  let start: usize = 0;
  while (true) {
    const i = find_bytes(p, len, sp(d), dl, start);
    if (i < 0) break;
    opa_array_append(out, opa_string(p + start, <u32>(<usize>i - start)));
    start = <usize>i + dl;
  }
  opa_array_append(out, opa_string(p + start, <u32>(len - start)));
  return out;
}

/** Go's strings.Replace(s, old, new, -1). */
function replace_all(p: usize, len: usize, op: usize, ol: usize, np: usize, nl: usize): usize {
  buf_begin(len + nl + 8);
  if (ol == 0) {
    let q: usize = 0;
    buf_bytes(np, nl);
    while (q < len) {
      decode_rune(p + q, p + len);
      buf_bytes(p + q, <usize>rune_width);
      buf_bytes(np, nl);
      q += <usize>rune_width;
    }
  } else {
    let start: usize = 0;
    while (true) {
      const i = find_bytes(p, len, op, ol, start);
      if (i < 0) break;
      buf_bytes(p + start, <usize>i - start);
      buf_bytes(np, nl);
      start = <usize>i + ol;
    }
    buf_bytes(p + start, len - start);
  }
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

export function opa_builtin_replace(v: usize, o: usize, n: usize): usize {
  if (!is_str(v)) return type_error('replace', 1, 'string', v);
  if (!is_str(o)) return type_error('replace', 2, 'string', o);
  if (!is_str(n)) return type_error('replace', 3, 'string', n);
  return replace_all(sp(v), sl(v), sp(o), sl(o), sp(n), sl(n));
}

/**
 * strings.replace_n(patterns, value): Go's strings.NewReplacer over the pairs in key order;
 * at each position the first key (in sorted order) that matches wins.
 */
export function opa_builtin_strings_replace_n(pats: usize, v: usize): usize {
  if (vtype(pats) != TYPE_OBJECT) return type_error('strings.replace_n', 1, 'object', pats);
  const n = coll_len(pats);
  for (let i: u32 = 0; i < n; i++) {
    if (!is_str(obj_key_at(pats, i))) {
      err_begin('eval_type_error');
      err_str('strings.replace_n: operand 1 non-string key found in pattern object');
      return err_end();
    }
    if (!is_str(obj_val_at(pats, i))) {
      err_begin('eval_type_error');
      err_str('strings.replace_n: operand 1 non-string value found in pattern object');
      return err_end();
    }
  }
  if (!is_str(v)) return type_error('strings.replace_n', 2, 'string', v);
  const p = sp(v);
  const len = sl(v);
  buf_begin(len + 8);
  let q: usize = 0;
  let copied: usize = 0;
  while (q <= len) {
    let hit: i32 = -1;
    for (let i: u32 = 0; i < n; i++) {
      const k = obj_key_at(pats, i);
      const kl = sl(k);
      if (kl > 0 && has_prefix(p + q, len - q, sp(k), kl)) {
        hit = <i32>i;
        break;
      }
    }
    if (hit >= 0) {
      const k = obj_key_at(pats, <u32>hit);
      const r = obj_val_at(pats, <u32>hit);
      buf_bytes(p + copied, q - copied);
      buf_bytes(sp(r), sl(r));
      q += sl(k);
      copied = q;
    } else {
      q++;
    }
  }
  if (copied < len) buf_bytes(p + copied, len - copied);
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

export function opa_builtin_strings_reverse(v: usize): usize {
  if (!is_str(v)) return type_error('reverse', 1, 'string', v);
  const p = sp(v);
  const len = sl(v);
  const out = malloc(len);
  let q: usize = 0;
  while (q < len) {
    decode_rune(p + q, p + len);
    const w = <usize>rune_width;
    memory.copy(out + len - q - w, p + q, w);
    q += w;
  }
  return opa_string(out, <u32>len);
}
