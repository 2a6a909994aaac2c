// strings.render_template(template, vars): the subset of Go's text/template that policies use for
// messages: {{.a.b}}, {{.}}, {{$v}}, {{if X}}…{{else}}…{{end}}, {{range [$i, $v :=] X}}…{{end}},
// the trim markers {{- and -}}, and the functions len, not, and, or, eq, ne, lt, le, gt, ge and
// index with literal, parenthesised and field arguments. Values print as Go prints OPA's JSON
// values (numbers as their text, [a b], map[k:v]); a missing key prints "<undefined>" as in OPA.
// Go's typing is kept: numbers from the data are json.Number (a string kind), so `gt .n 1` is an
// "incompatible types" error in Go and undefined here, while `gt (len .xs) 0` compares ints.
// Unsupported actions (pipelines, printf, …) make the call undefined.
import {
  TYPE_NULL, TYPE_BOOLEAN, TYPE_NUMBER, TYPE_STRING, TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, vtype, coll_len, arr_get,
  set_get, obj_key_at, obj_val_at, bool_get, opa_string, opa_number_int, opa_boolean,
} from '../value';
import { opa_object_get } from '../collections';
import { number_format, num_compare, opa_number_parse } from '../number';
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
  if (trims_left(i)) s++;
  let trimRight = false;
  if (e > s + 1 && load<u8>(tp + e - 1) == 45 && is_space(load<u8>(tp + e - 2))) {
    e--;
    trimRight = true;
  }
  while (s < e && is_space(load<u8>(tp + s))) s++;
  while (e > s && is_space(load<u8>(tp + e - 1))) e--;
  as = s;
  ae = e;
  let next = k + 2;
  // " -}}" trims all white space after the action.
  if (trimRight) while (next < tn && is_space(load<u8>(tp + next))) next++;
  return next;
}

/** "{{- " (dash then a space) trims all white space before the action. */
function trims_left(open: usize): bool {
  return open + 3 < tn && load<u8>(tp + open + 2) == 45 && is_space(load<u8>(tp + open + 3));
}

/** Emits template text [i, o), without its trailing white space when the action at o trims left. */
function emit_text(i: usize, o: usize): void {
  let end = o;
  if (o < tn && trims_left(o)) while (end > i && is_space(load<u8>(tp + end - 1))) end--;
  buf_bytes(tp + i, end - i);
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
  if (t == TYPE_NUMBER) return is_go(v, GO_INT) || is_go(v, GO_FLOAT) ? num_compare(v, ZERO_INT()) != 0 : true; // a JSON number is a (non-empty) json.Number string in Go
  return coll_len(v) > 0;
}


/**
 * Executes from i until an {{else}} or {{end}} at this level (returned via stop_kind) or the end.
 * emit=false skips output (the untaken branch). Returns the index after the stopping action.
 */
let stop_kind = 0; // 0 = end of template, 1 = else, 2 = end
function exec(i: usize, dot: usize, emit: bool): usize {
  while (i < tn && !failed) {
    const o = find_open(i);
    if (emit) emit_text(i, o);
    if (o >= tn) { stop_kind = 0; return tn; }
    const after = action_at(o);
    if (after == 0) { failed = true; return tn; }
    const s = as;
    const e = ae;
    if (word_is(s, e, 'end')) { stop_kind = 2; return after; }
    if (word_is(s, e, 'else')) { stop_kind = 1; return after; }
    if (word_is(s, e, 'if')) {
      const cond = eval_cmd(s + 3, e, dot);
      if (cond == 0) { failed = true; return tn; }
      const take = emit && truthy(cond);
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
      const coll = eval_cmd(k, e, dot);
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
          const idx = t == TYPE_OBJECT ? obj_key_at(coll, x) : go_int(<i64>x);
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
    const v = eval_cmd(s, e, dot);
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
  ngo = 0;
  push_var(DOLLAR, 1, vars);
  buf_begin(tn + 16);
  exec(0, vars, true);
  if (failed || stop_kind != 0) return builtin_error('strings.render_template', 'unsupported or malformed template');
  const out = buf_end();
  return opa_string(out, <u32>get_out_len());
}

const DOLLAR: usize = memory.data<u8>([36]);

// ------------------------------------------------------------------------------------------------
// Commands: a field/variable term, a literal, or a function applied to arguments.

// Go ints (range indexes, len results, integer literals) and floats (float literals) are numbers
// with a Go kind; every other number is a json.Number from the data (Go string kind).
const GO_INT: u32 = 1;
const GO_FLOAT: u32 = 2;
const GO_MAX = 256;
const GOS = memory.data(GO_MAX * 8);
let ngo = 0;

function mark_go(v: usize, kind: u32): usize {
  if (ngo >= GO_MAX) { failed = true; return v; }
  store<u32>(GOS + <usize>ngo * 8, <u32>v);
  store<u32>(GOS + <usize>ngo * 8, kind, 4);
  ngo++;
  return v;
}

function is_go(v: usize, kind: u32): bool {
  for (let i = 0; i < ngo; i++) {
    const p = GOS + <usize>i * 8;
    if (<usize>load<u32>(p) == v) return load<u32>(p, 4) == kind;
  }
  return false;
}

function go_int(i: i64): usize {
  return mark_go(opa_number_int(i), GO_INT);
}

// Go basic kinds as text/template compares them.
const K_INVALID = 0;
const K_BOOL = 1;
const K_INT = 2;
const K_FLOAT = 3;
const K_STRING = 4;
const K_OTHER = 5;

function kind_of(v: usize): i32 {
  if (v == 0 || v == MISSING) return K_INVALID;
  const t = vtype(v);
  if (t == TYPE_BOOLEAN) return K_BOOL;
  if (t == TYPE_STRING) return K_STRING;
  if (t == TYPE_NUMBER) return is_go(v, GO_INT) ? K_INT : is_go(v, GO_FLOAT) ? K_FLOAT : K_STRING;
  if (t == TYPE_NULL) return K_INVALID;
  return K_OTHER;
}

/** Text of a string-kind value (a string, or a json.Number's digits) into (tx_p, tx_n). */
let tx_p: usize = 0;
let tx_n: usize = 0;
function text_of(v: usize): void {
  if (vtype(v) == TYPE_STRING) {
    tx_p = sp(v);
    tx_n = sl(v);
    return;
  }
  const tmp = malloc(64);
  tx_p = tmp;
  tx_n = <usize>number_format(v, tmp);
}

function compare_text(a: usize, b: usize): i32 {
  text_of(a);
  const ap = tx_p;
  const an = tx_n;
  text_of(b);
  const n = an < tx_n ? an : tx_n;
  const c = memory.compare(ap, tx_p, n);
  if (c != 0) return c < 0 ? -1 : 1;
  return an < tx_n ? -1 : an > tx_n ? 1 : 0;
}

/** Go's basic comparison; sets failed (incompatible or non-comparable kinds) and returns 0. */
function go_compare(a: usize, b: usize, ordered: bool): i32 {
  const ka = kind_of(a);
  const kb = kind_of(b);
  if (ka != kb || ka == K_INVALID || ka == K_OTHER || (ordered && ka == K_BOOL)) { failed = true; return 0; }
  if (ka == K_BOOL) return bool_get(a) == bool_get(b) ? 0 : 1;
  if (ka == K_STRING) return compare_text(a, b);
  return num_compare(a, b);
}

// Argument tokens of the current command: [start, end) pairs.
function skip_space(i: usize, e: usize): usize {
  while (i < e && is_space(load<u8>(tp + i))) i++;
  return i;
}

/** End of the token starting at i (a parenthesised group, a quoted string, or a word). */
function token_end(i: usize, e: usize): usize {
  const c = load<u8>(tp + i);
  if (c == 40) {
    let depth = 0;
    let k = i;
    while (k < e) {
      const d = load<u8>(tp + k);
      if (d == 34) { k = quoted_end(k, e); continue; }
      if (d == 40) depth++;
      else if (d == 41) { depth--; if (depth == 0) return k + 1; }
      k++;
    }
    failed = true;
    return e;
  }
  if (c == 34 || c == 96) return quoted_end(i, e);
  let k = i;
  while (k < e && !is_space(load<u8>(tp + k)) && load<u8>(tp + k) != 40 && load<u8>(tp + k) != 41) k++;
  return k;
}

function quoted_end(i: usize, e: usize): usize {
  const q = load<u8>(tp + i);
  let k = i + 1;
  while (k < e && load<u8>(tp + k) != q) {
    if (q == 34 && load<u8>(tp + k) == 92) k++;
    k++;
  }
  if (k >= e) { failed = true; return e; }
  return k + 1;
}

function is_digit(c: u32): bool { return c >= 48 && c <= 57; }

/** One argument: (cmd), "string", `raw`, number, true/false, .field, $var. 0 = unsupported. */
function eval_arg(s: usize, e: usize, dot: usize): usize {
  const c = load<u8>(tp + s);
  if (c == 40) return eval_cmd(s + 1, e - 1, dot);
  if (c == 96) return opa_string(tp + s + 1, <u32>(e - s - 2));
  if (c == 34) {
    for (let k = s + 1; k < e - 1; k++) if (load<u8>(tp + k) == 92) return 0; // escapes: unsupported
    return opa_string(tp + s + 1, <u32>(e - s - 2));
  }
  if (is_digit(c) || ((c == 45 || c == 43) && e > s + 1 && is_digit(load<u8>(tp + s + 1)))) {
    let float = false;
    for (let k = s; k < e; k++) {
      const d = load<u8>(tp + k);
      if (d == 46 || d == 101 || d == 69) float = true;
    }
    const start = c == 43 ? s + 1 : s;
    const n = opa_number_parse(tp + start, <u32>(e - start));
    if (n == 0) return 0;
    return mark_go(n, float ? GO_FLOAT : GO_INT);
  }
  if (word_is(s, e, 'true') && e - s == 4) return opa_boolean(true);
  if (word_is(s, e, 'false') && e - s == 5) return opa_boolean(false);
  if (c == 46 || c == 36) return eval_term(s, e, dot);
  return 0;
}

const MAX_ARGS = 8;
const ARGS = memory.data(MAX_ARGS * 4 * 4);
let args_depth = 0;

/** A command: a single argument, or a function name followed by arguments. */
function eval_cmd(s: usize, e: usize, dot: usize): usize {
  s = skip_space(s, e);
  while (e > s && is_space(load<u8>(tp + e - 1))) e--;
  if (s >= e) return 0;
  const fe = token_end(s, e);
  if (failed) return 0;
  const c = load<u8>(tp + s);
  const isName = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  if (!isName || (word_is(s, fe, 'true') && fe - s == 4) || (word_is(s, fe, 'false') && fe - s == 5)) {
    if (skip_space(fe, e) != e) return 0; // a value followed by more words (pipelines are unsupported)
    return eval_arg(s, fe, dot);
  }
  if (args_depth >= 4) return 0;
  const base = ARGS + <usize>args_depth * MAX_ARGS * 4;
  args_depth++;
  let n = 0;
  let i = skip_space(fe, e);
  while (i < e && !failed) {
    const te = token_end(i, e);
    if (n >= MAX_ARGS) { args_depth--; return 0; }
    const v = eval_arg(i, te, dot);
    if (v == 0) { args_depth--; return 0; }
    store<u32>(base + <usize>n * 4, <u32>v);
    n++;
    i = skip_space(te, e);
  }
  const r: usize = failed ? 0 : apply(s, fe, base, n);
  args_depth--;
  return r;
}

function arg(base: usize, i: i32): usize {
  return <usize>load<u32>(base + <usize>i * 4);
}

function fn_is(s: usize, e: usize, name: string): bool {
  return e - s == <usize>name.length && word_is(s, e, name);
}

function apply(s: usize, e: usize, base: usize, n: i32): usize {
  if (fn_is(s, e, 'len')) {
    if (n != 1) return fail();
    const v = arg(base, 0);
    if (v == MISSING) return fail();
    const t = vtype(v);
    if (t == TYPE_ARRAY || t == TYPE_SET || t == TYPE_OBJECT) return go_int(<i64>coll_len(v));
    if (t == TYPE_STRING || t == TYPE_NUMBER) {
      text_of(v);
      return go_int(<i64>tx_n);
    }
    return fail();
  }
  if (fn_is(s, e, 'not')) {
    if (n != 1) return fail();
    return opa_boolean(!truthy(arg(base, 0)));
  }
  if (fn_is(s, e, 'and') || fn_is(s, e, 'or')) {
    if (n < 1) return fail();
    const isAnd = fn_is(s, e, 'and');
    for (let i = 0; i < n - 1; i++) {
      const v = arg(base, i);
      if (truthy(v) != isAnd) return v;
    }
    return arg(base, n - 1);
  }
  if (fn_is(s, e, 'eq')) {
    if (n < 2) return fail();
    const a = arg(base, 0);
    for (let i = 1; i < n; i++) {
      const c = go_compare(a, arg(base, i), false);
      if (failed) return 0;
      if (c == 0) return opa_boolean(true);
    }
    return opa_boolean(false);
  }
  if (fn_is(s, e, 'ne') || fn_is(s, e, 'lt') || fn_is(s, e, 'le') || fn_is(s, e, 'gt') || fn_is(s, e, 'ge')) {
    if (n != 2) return fail();
    const ordered = !fn_is(s, e, 'ne');
    const c = go_compare(arg(base, 0), arg(base, 1), ordered);
    if (failed) return 0;
    if (fn_is(s, e, 'ne')) return opa_boolean(c != 0);
    if (fn_is(s, e, 'lt')) return opa_boolean(c < 0);
    if (fn_is(s, e, 'le')) return opa_boolean(c <= 0);
    if (fn_is(s, e, 'gt')) return opa_boolean(c > 0);
    return opa_boolean(c >= 0);
  }
  if (fn_is(s, e, 'index')) {
    if (n < 1) return fail();
    let v = arg(base, 0);
    for (let i = 1; i < n; i++) {
      const k = arg(base, i);
      if (v == MISSING) return fail();
      const t = vtype(v);
      if (t == TYPE_OBJECT) {
        const x = opa_object_get(v, k);
        v = x == 0 ? MISSING : x;
      } else if (t == TYPE_ARRAY && kind_of(k) == K_INT) {
        const idx = num_compare(k, ZERO_INT()) < 0 ? -1 : <i64>parse_index(k);
        if (idx < 0 || idx >= <i64>coll_len(v)) return fail();
        v = arr_get(v, <u32>idx);
      } else return fail();
    }
    return v;
  }
  return 0; // unknown function
}

function fail(): usize {
  failed = true;
  return 0;
}

/** A fresh 0 (not cached: the host resets the heap between evaluations). */
function ZERO_INT(): usize {
  return opa_number_int(0);
}

function parse_index(k: usize): i64 {
  text_of(k);
  let r: i64 = 0;
  for (let i: usize = 0; i < tx_n; i++) {
    const d = load<u8>(tx_p + i);
    if (!is_digit(d)) return -1;
    r = r * 10 + <i64>(d - 48);
    if (r > 1 << 40) return -1;
  }
  return r;
}
