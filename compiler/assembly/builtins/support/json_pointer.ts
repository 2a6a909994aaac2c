// JSON-pointer-like paths shared by json.filter/json.remove and json.patch.
import { malloc } from '../../alloc';
import { opa_string, opa_array_with_cap } from '../../value';
import { opa_array_append } from '../../collections';
import { sp, sl } from './text';

/** Splits "/a/b~1c" into ["a", "b/c"] (leading slashes trimmed; ~1 → /, ~0 → ~). */
export function split_pointer(v: usize): usize {
  const out = opa_array_with_cap(4);
  let p = sp(v);
  let n = sl(v);
  if (n == 0) return out;
  while (n > 0 && load<u8>(p) == 47) { p++; n--; }
  let s: usize = 0;
  for (let i: usize = 0; i <= n; i++) {
    if (i == n || load<u8>(p + i) == 47) {
      // Unescape into a fresh buffer.
      const seg = malloc(i - s + 1);
      let m: usize = 0;
      for (let k = s; k < i; k++) {
        const c = load<u8>(p + k);
        if (c == 126 && k + 1 < i && (load<u8>(p + k + 1) == 49 || load<u8>(p + k + 1) == 48)) {
          store<u8>(seg + m, load<u8>(p + k + 1) == 49 ? 47 : 126);
          k++;
        } else store<u8>(seg + m, c);
        m++;
      }
      opa_array_append(out, opa_string(seg, <u32>m));
      s = i + 1;
    }
  }
  return out;
}
