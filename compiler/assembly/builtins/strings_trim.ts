// Trimming builtins: trim, trim_left, trim_right (cutset of code points), trim_prefix,
// trim_suffix, trim_space (Unicode white space), plus format_int.
import { TYPE_NUMBER, vtype, opa_string, num_to_f64, num_is_int, num_to_i64 } from '../value';
import { malloc } from '../alloc';
import { decode_rune, rune_width, is_space } from '../lib/utf8';
import { is_str, has_prefix, has_suffix, sp, sl } from './support/text';
import { type_error, builtin_error, err_begin, err_str, err_end } from './support/errors';

function in_cutset(r: i32, c: usize, cl: usize): bool {
  const end = c + cl;
  let q = c;
  while (q < end) {
    const x = decode_rune(q, end);
    if (x == r) return true;
    q += <usize>rune_width;
  }
  return false;
}

// Start offset after trimming runes from the left (cutset, or white space when cl == -1).
function left_end(p: usize, n: usize, c: usize, cl: isize): usize {
  let q: usize = 0;
  while (q < n) {
    const r = decode_rune(p + q, p + n);
    const hit = cl < 0 ? is_space(r) : in_cutset(r, c, <usize>cl);
    if (!hit) break;
    q += <usize>rune_width;
  }
  return q;
}

// End offset after trimming runes from the right.
function right_end(p: usize, n: usize, start: usize, c: usize, cl: isize): usize {
  let e = n;
  while (e > start) {
    // Step back to the start of the last rune.
    let s = e - 1;
    while (s > start && (load<u8>(p + s) & 0xc0) == 0x80 && e - s < 4) s--;
    const r = decode_rune(p + s, p + e);
    const w = <usize>rune_width;
    if (s + w != e) s = e - 1; // invalid sequence: treat the last byte alone
    const rr = s + w != e ? 0xfffd : r;
    const hit = cl < 0 ? is_space(rr) : in_cutset(rr, c, <usize>cl);
    if (!hit) break;
    e = s;
  }
  return e;
}

export function opa_builtin_trim(v: usize, cut: usize): usize {
  if (!is_str(v)) return type_error('trim', 1, 'string', v);
  if (!is_str(cut)) return type_error('trim', 2, 'string', cut);
  const s = left_end(sp(v), sl(v), sp(cut), <isize>sl(cut));
  const e = right_end(sp(v), sl(v), s, sp(cut), <isize>sl(cut));
  return opa_string(sp(v) + s, <u32>(e - s));
}

export function opa_builtin_trim_left(v: usize, cut: usize): usize {
  if (!is_str(v)) return type_error('trim_left', 1, 'string', v);
  if (!is_str(cut)) return type_error('trim_left', 2, 'string', cut);
  const s = left_end(sp(v), sl(v), sp(cut), <isize>sl(cut));
  return opa_string(sp(v) + s, <u32>(sl(v) - s));
}

export function opa_builtin_trim_right(v: usize, cut: usize): usize {
  if (!is_str(v)) return type_error('trim_right', 1, 'string', v);
  if (!is_str(cut)) return type_error('trim_right', 2, 'string', cut);
  const e = right_end(sp(v), sl(v), 0, sp(cut), <isize>sl(cut));
  return opa_string(sp(v), <u32>e);
}

export function opa_builtin_trim_space(v: usize): usize {
  if (!is_str(v)) return type_error('trim_space', 1, 'string', v);
  const s = left_end(sp(v), sl(v), 0, -1);
  const e = right_end(sp(v), sl(v), s, 0, -1);
  return opa_string(sp(v) + s, <u32>(e - s));
}

export function opa_builtin_trim_prefix(v: usize, pre: usize): usize {
  if (!is_str(v)) return type_error('trim_prefix', 1, 'string', v);
  if (!is_str(pre)) return type_error('trim_prefix', 2, 'string', pre);
  if (!has_prefix(sp(v), sl(v), sp(pre), sl(pre))) return v;
  return opa_string(sp(v) + sl(pre), <u32>(sl(v) - sl(pre)));
}

export function opa_builtin_trim_suffix(v: usize, suf: usize): usize {
  if (!is_str(v)) return type_error('trim_suffix', 1, 'string', v);
  if (!is_str(suf)) return type_error('trim_suffix', 2, 'string', suf);
  if (!has_suffix(sp(v), sl(v), sp(suf), sl(suf))) return v;
  return opa_string(sp(v), <u32>(sl(v) - sl(suf)));
}

/** format_int(number, base): the number truncated toward zero, in base 2, 8, 10 or 16. */
export function opa_builtin_format_int(x: usize, base: usize): usize {
  if (vtype(x) != TYPE_NUMBER) return type_error('format_int', 1, 'number', x);
  if (vtype(base) != TYPE_NUMBER) return type_error('format_int', 2, 'number', base);
  const bf = num_to_f64(base);
  if (bf != 2 && bf != 8 && bf != 10 && bf != 16) {
    err_begin('eval_type_error');
    err_str('format_int: operand 2 must be one of {2, 8, 10, 16}');
    return err_end();
  }
  const b = <u64>bf;
  let neg = false;
  let mag: u64;
  if (num_is_int(x)) {
    const i = num_to_i64(x);
    neg = i < 0;
    mag = neg ? <u64>(-i) : <u64>i;
  } else {
    const f = num_to_f64(x);
    neg = f < 0;
    const t = Math.trunc(neg ? -f : f);
    if (t >= 1.8e19) return builtin_error('format_int', 'number too large');
    mag = <u64>t;
    if (mag == 0) neg = false;
  }
  const out = malloc(72);
  let q: usize = 72;
  const tmp = malloc(72);
  if (mag == 0) {
    q--;
    store<u8>(tmp + q, 48);
  }
  while (mag > 0) {
    const d = <i32>(mag % b);
    q--;
    store<u8>(tmp + q, <u8>(d < 10 ? 48 + d : 87 + d));
    mag /= b;
  }
  if (neg) {
    q--;
    store<u8>(tmp + q, 45);
  }
  const n: u32 = 72 - <u32>q;
  memory.copy(out, tmp + q, n);
  return opa_string(out, n);
}
