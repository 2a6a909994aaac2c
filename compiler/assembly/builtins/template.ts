// strings.render_template(template, vars): the subset of Go's text/template that policies use for
// messages: {{.a.b}}, {{.}}, {{$v}}, {{if X}}…{{else}}…{{end}}, {{range [$i, $v :=] X}}…{{end}}.
// Values print as Go prints OPA's JSON values (numbers as their text, [a b], map[k:v]); a missing
// key prints "<undefined>" as in OPA. Unsupported actions make the call undefined.
import {
  TYPE_NULL, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_STRING, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, vtype, coll_len, arr_get,
  set_get, obj_key_at, obj_val_at, bool_get, opa_string, opa_number_int,
} from '../value';
import { opa_object_get } from '../collections';
import { number_format } from '../number';
import { malloc } from '../alloc';
import { buf_begin, buf_byte, buf_bytes, buf_end } from '../lib/buf';
import { get_out_len } from '../lib/alloc';
import { is_str, sp, sl } from './support/text';
import { type_error, builtin_error } from './support/errors';

let tp: usize = 0; // template bytes
let tn: usize = 0;
let failed = false;
// Variables: up to 16 (name ptr, name len, value) triples.
const VARS = memory.data(16 * 12);
let nvars = 0;

const MISSING: usize = 1; // sentinel: key not found

function is_space(c: u32): bool { return c == 32 || c == 9 || c == 10 || c == 13; }

// Current action bounds [as, ae) (trimmed), set by next_action.
let as: usize = 0;
let ae: usize = 0;

/** Finds the next "{{" at or after i; returns its index or tn. */
function find_open(i: usize): usize {
  for (let k = i; k + 1 < tn; k++) if (load<u8>(tp + k) == 123 && load<u8>(tp + k + 1) == 123) return k;
  return tn;
}

/** Parses the action starting at "{{" at i; sets as/ae; returns the index after "}}" (or 0 on error). */
function action_at(i: usize): usize {
  let s = i + 2;
  let k = s;
  while (k + 1 < tn && !(load<u8>(tp + k) == 125 && load<u8>(tp + k + 1) == 125)) k++;
  if (k + 1 >= tn) return 0;
  let e = k;
  if (s < e && load<u8>(tp + s) == 45) s++;
  if (e > s && load<u8>(tp + e - 1) == 45) e--;
  while (s < e && is_space(load<u8>(tp + s))) s++;
  while (e > s && is_space(load<u8>(tp + e - 1))) e--;
  as = s;
  ae = e;
  return k + 2;
}

function word_is(s: usize, e: usize, w: string): bool {
  const n = <usize>w.length;
  if (e - s < n) return false;
  for (let i: usize = 0; i < n; i++) if (<i32>load<u8>(tp + s + i) != w.charCodeAt(<i32>i)) return false;
  return e - s == n || is_space(load<u8>(tp + s + n));
}

function lookup_var(s: usize, n: usize): usize {
  for (let i = nvars - 1; i >= 0; i--) {
    const p = VARS + <usize>i * 12;
    if (<usize>load<u32>(p, 4) == n && memory.compare(<usize>load<u32>(p), tp + s, n) == 0) return <usize>load<u32>(p, 8);
  }
  return 0;
}

/** Evaluates a term: ".", ".a.b", "$x", "$x.a"; MISSING for an absent key, 0 if unsupported. */
function eval_term(s: usize, e: usize, dot: usize): usize {
  let v: usize;
  let i = s;
  if (load<u8>(tp + i) == 36) {
    let k = i + 1;
    while (k < e && load<u8>(tp + k) != 46) k++;
    v = lookup_var(i, k - i);
    if (v == 0) return 0;
    i = k;
  } else if (load<u8>(tp + i) == 46) {
    v = dot;
  } else return 0;
  while (i < e && load<u8>(tp + i) == 46) {
    i++;
    let k = i;
    while (k < e && load<u8>(tp + k) != 46) k++;
    if (k == i) break; // lone "."
    if (vtype(v) != TYPE_OBJECT) return MISSING;
    const key = opa_string(tp + i, <u32>(k - i));
    const next = opa_object_get(v, key);
    if (next == 0) return MISSING;
    v = next;
    i = k;
  }
  return v;
}

function print_value(v: usize): void {
  if (v == MISSING) {
    buf_bytes(UNDEF, 11);
    return;
  }
  const t = vtype(v);
  if (t == TYPE_STRING) buf_bytes(sp(v), sl(v));
  else if (t == TYPE_NUMBER) {
    const tmp = malloc(64);
    buf_bytes(tmp, <usize>number_format(v, tmp));
  } else if (t == TYPE_BOOLEAN) {
    if (bool_get(v)) { buf_byte(116); buf_byte(114); buf_byte(117); buf_byte(101); }
    else { buf_byte(102); buf_byte(97); buf_byte(108); buf_byte(115); buf_byte(101); }
  } else if (t == TYPE_NULL) {
    buf_byte(60); buf_byte(110); buf_byte(105); buf_byte(108); buf_byte(62);
  } else if (t == TYPE_ARRAY || t == TYPE_SET) {
    buf_byte(91);
    for (let i: u32 = 0; i < coll_len(v); i++) {
      if (i > 0) buf_byte(32);
      print_value(t == TYPE_ARRAY ? arr_get(v, i) : set_get(v, i));
    }
    buf_byte(93);
  } else {
    buf_byte(109); buf_byte(97); buf_byte(112); buf_byte(91);
    for (let i: u32 = 0; i < coll_len(v); i++) {
      if (i > 0) buf_byte(32);
      print_value(obj_key_at(v, i));
      buf_byte(58);
      print_value(obj_val_at(v, i));
    }
    buf_byte(93);
  }
}

const UNDEF: usize = memory.data<u8>([60, 117, 110, 100, 101, 102, 105, 110, 101, 100, 62]); // <undefined>

function truthy(v: usize): bool {
  if (v == 0 || v == MISSING) return false;
  const t = vtype(v);
  if (t == TYPE_BOOLEAN) return bool_get(v);
  if (t == TYPE_NULL) return false;
  if (t == TYPE_STRING) return sl(v) > 0;
  if (t == TYPE_NUMBER) return true; // a JSON number is a (non-empty) json.Number string in Go
  return coll_len(v) > 0;
}

// Range indexes are Go ints: their truthiness is "non-zero". They are marked by a private tag.
let zero_index: usize = 0;

/**
 * Executes from i until an {{else}} or {{end}} at this level (returned via stop_kind) or the end.
 * emit=false skips output (the untaken branch). Returns the index after the stopping action.
 */
let stop_kind = 0; // 0 = end of template, 1 = else, 2 = end
function exec(i: usize, dot: usize, emit: bool): usize {
  while (i < tn && !failed) {
    const o = find_open(i);
    if (emit) buf_bytes(tp + i, o - i);
    if (o >= tn) { stop_kind = 0; return tn; }
    const after = action_at(o);
    if (after == 0) { failed = true; return tn; }
    const s = as;
    const e = ae;
    if (word_is(s, e, 'end')) { stop_kind = 2; return after; }
    if (word_is(s, e, 'else')) { stop_kind = 1; return after; }
    if (word_is(s, e, 'if')) {
      const cond = eval_term(s + 3, e, dot);
      if (cond == 0) { failed = true; return tn; }
      const take = emit && truthy(cond) && cond != zero_index;
      let j = exec(after, dot, take);
      if (stop_kind == 1) j = exec(j, dot, emit && !take);
      if (stop_kind != 2) { failed = true; return tn; }
      i = j;
      continue;
    }
    if (word_is(s, e, 'range')) {
      let k = s + 6;
      let iv: usize = 0; let ivn: usize = 0; let vv: usize = 0; let vvn: usize = 0;
      // Optional "$i, $v :=" or "$v :=".
      let decl = s + 6;
      while (decl + 1 < e && !(load<u8>(tp + decl) == 58 && load<u8>(tp + decl + 1) == 61)) decl++;
      if (decl + 1 < e) {
        let q = k;
        while (q < decl && is_space(load<u8>(tp + q))) q++;
        let r = q;
        while (r < decl && load<u8>(tp + r) != 44 && !is_space(load<u8>(tp + r))) r++;
        vv = tp + q; vvn = r - q;
        while (r < decl && (is_space(load<u8>(tp + r)) || load<u8>(tp + r) == 44)) r++;
        if (r < decl) {
          iv = vv; ivn = vvn;
          let r2 = r;
          while (r2 < decl && !is_space(load<u8>(tp + r2))) r2++;
          vv = tp + r; vvn = r2 - r;
        }
        k = decl + 2;
        while (k < e && is_space(load<u8>(tp + k))) k++;
      }
      const coll = eval_term(k, e, dot);
      if (coll == 0) { failed = true; return tn; }
      const t = coll == MISSING ? 0 : vtype(coll);
      const n = t == TYPE_ARRAY || t == TYPE_SET || t == TYPE_OBJECT ? coll_len(coll) : 0;
      let bodyEnd = after;
      if (n == 0 || !emit) {
        bodyEnd = exec(after, dot, false);
        if (stop_kind == 1) bodyEnd = exec(bodyEnd, dot, emit);
      } else {
        const saved = nvars;
        for (let x: u32 = 0; x < n; x++) {
          const item = t == TYPE_ARRAY ? arr_get(coll, x) : t == TYPE_SET ? set_get(coll, x) : obj_val_at(coll, x);
          const idx = t == TYPE_OBJECT ? obj_key_at(coll, x) : opa_number_int(<i64>x);
          if (x == 0 && t != TYPE_OBJECT) zero_index = idx;
          nvars = saved;
          if (ivn > 0) push_var(iv, ivn, idx);
          if (vvn > 0) push_var(vv, vvn, item);
          bodyEnd = exec(after, item, true);
        }
        nvars = saved;
        if (stop_kind == 1) bodyEnd = exec(bodyEnd, dot, false);
      }
      if (stop_kind != 2) { failed = true; return tn; }
      i = bodyEnd;
      continue;
    }
    const v = eval_term(s, e, dot);
    if (v == 0) { failed = true; return tn; }
    if (emit) print_value(v);
    i = after;
  }
  stop_kind = 0;
  return tn;
}

function push_var(p: usize, n: usize, v: usize): void {
  if (nvars >= 16) { failed = true; return; }
  const q = VARS + <usize>nvars * 12;
  store<u32>(q, <u32>p);
  store<u32>(q, <u32>n, 4);
  store<u32>(q, <u32>v, 8);
  nvars++;
}

export function opa_builtin_strings_render_template(tpl: usize, vars: usize): usize {
  if (!is_str(tpl)) return type_error('strings.render_template', 1, 'string', tpl);
  if (vtype(vars) != TYPE_OBJECT) return type_error('strings.render_template', 2, 'object', vars);
  tp = sp(tpl);
  tn = sl(tpl);
  failed = false;
  nvars = 0;
  zero_index = 0;
  push_var(DOLLAR, 1, vars);
  buf_begin(tn + 16);
  exec(0, vars, true);
  if (failed || stop_kind != 0) return builtin_error('strings.render_template', 'unsupported or malformed template');
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

const DOLLAR: usize = memory.data<u8>([36]);
