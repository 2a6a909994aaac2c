// glob.match and glob.quote_meta.
import { TYPE_ARRAY, TYPE_NULL, vtype, coll_len, arr_get, opa_boolean, opa_string } from '../value';
import { malloc } from '../alloc';
import { decode_rune, rune_width } from '../lib/utf8';
import { glob_match, glob_quote_meta, glob_quote_meta_len, GLOB_BAD_PATTERN } from '../lib/glob';
import { is_str, sp, sl } from './support/text';
import { type_error, builtin_error } from './support/errors';

/** glob.match(pattern, delimiters, match): delimiters [] means ["."], null means none. */
export function opa_builtin_glob_match(pattern: usize, delims: usize, text: usize): usize {
  if (!is_str(pattern)) return type_error('glob.match', 1, 'string', pattern);
  const dt = vtype(delims);
  if (dt != TYPE_ARRAY && dt != TYPE_NULL) return type_error('glob.match', 2, 'array', delims);
  if (!is_str(text)) return type_error('glob.match', 3, 'string', text);
  let seps: usize = 0;
  let n: i32 = 0;
  if (dt == TYPE_ARRAY) {
    const cnt = coll_len(delims);
    let total: usize = 0;
    for (let i: u32 = 0; i < cnt; i++) {
      const d = arr_get(delims, i);
      if (!is_str(d)) return type_error('glob.match', 2, 'array of strings', d);
      total += sl(d);
    }
    seps = malloc((total + 1) << 2);
    if (cnt == 0) {
      store<i32>(seps, 0x2e);
      n = 1;
    }
    for (let i: u32 = 0; i < cnt; i++) {
      const d = arr_get(delims, i);
      const p = sp(d);
      const e = p + sl(d);
      let q = p;
      while (q < e) {
        store<i32>(seps + (<usize>n << 2), decode_rune(q, e));
        n++;
        q += <usize>rune_width;
      }
    }
  }
  const r = glob_match(sp(pattern), sl(pattern), sp(text), sl(text), seps, n);
  if (r == GLOB_BAD_PATTERN) return builtin_error('glob.match', 'unexpected end of input');
  return opa_boolean(r == 1);
}

export function opa_builtin_glob_quote_meta(v: usize): usize {
  if (!is_str(v)) return type_error('glob.quote_meta', 1, 'string', v);
  const n = glob_quote_meta_len(sp(v), sl(v));
  const out = malloc(n);
  glob_quote_meta(sp(v), sl(v), out);
  return opa_string(out, <u32>n);
}
