// print and trace output, through the host's opa_println (the SDK writes each line to the
// console; `warden policy test` collects them per test). The compiler only keeps these calls
// when output is wanted (policy test, policy eval); a bundle for the agent drops them, as OPA
// drops print calls unless print statements are enabled.
//
// internal.print([s1, s2, …]): OPA's rewritten print(a1, a2, …): each si is the set of the values
// of argument i; one line per combination, values joined by a space, strings raw, other values
// in Rego syntax, an empty set (undefined argument) as <undefined>.
import { opa_println } from '../abi';
import { opa_value_dump, opa_dump_len } from '../json';
import { TYPE_ARRAY, TYPE_SET, TYPE_STRING, vtype, coll_len, arr_get, opa_boolean } from '../value';
import { malloc } from '../alloc';
import { sp, sl } from './support/text';
import { type_error_msg } from './core_errors';

const MAX_ARGS = 32;
const PICK = memory.data(MAX_ARGS * 4);
let line: usize = 0;
let cap: usize = 0;
let used: usize = 0;

function put(p: usize, n: usize): void {
  if (used + n + 1 > cap) {
    let c = cap * 2;
    while (used + n + 1 > c) c *= 2;
    const nl = malloc(c);
    memory.copy(nl, line, used);
    line = nl;
    cap = c;
  }
  memory.copy(line + used, p, n);
  used += n;
}

const UNDEF: usize = memory.data<u8>([60, 117, 110, 100, 101, 102, 105, 110, 101, 100, 62]); // <undefined>
const SPACE: usize = memory.data<u8>([32]);

const SEP: usize = memory.data<u8>([44, 32, 58, 32]); // ", " ": "

/**
 * A value as OPA's print shows a term: Rego syntax with a space after each `,` and `:` outside
 * strings (`{"a": [1, "x"]}`, `{1, 2}`, `set()`).
 */
function put_term(v: usize): void {
  const d = opa_value_dump(v);
  const n = <usize>opa_dump_len();
  let inStr = false;
  let from: usize = 0;
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(d + i);
    if (inStr) {
      if (c == 92) i++; // backslash: skip the escaped byte
      else if (c == 34) inStr = false;
      continue;
    }
    if (c == 34) inStr = true;
    else if (c == 44 || c == 58) {
      put(d + from, i - from);
      put(SEP + (c == 44 ? 0 : 2), 2);
      from = i + 1;
    }
  }
  put(d + from, n - from);
}

function put_value(v: usize): void {
  if (vtype(v) == TYPE_STRING) {
    put(sp(v), sl(v));
    return;
  }
  put_term(v);
}

function emit_line(args: usize, n: u32): void {
  cap = 256;
  line = malloc(cap);
  used = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (i > 0) put(SPACE, 1);
    const s = arr_get(args, i);
    const idx = load<u32>(PICK + <usize>i * 4);
    if (coll_len(s) == 0) put(UNDEF, 11);
    else put_value(arr_get(s, idx));
  }
  store<u8>(line + used, 0);
  opa_println(line);
}

function cross(args: usize, n: u32, i: u32): void {
  if (i == n) {
    emit_line(args, n);
    return;
  }
  const s = arr_get(args, i);
  const m = coll_len(s);
  if (m == 0) {
    store<u32>(PICK + <usize>i * 4, 0);
    cross(args, n, i + 1);
    return;
  }
  for (let k: u32 = 0; k < m; k++) {
    store<u32>(PICK + <usize>i * 4, k);
    cross(args, n, i + 1);
  }
}

export function opa_builtin_internal_print(args: usize): usize {
  if (vtype(args) != TYPE_ARRAY) return type_error_msg('internal.print', 'operand 1 must be array');
  const n = coll_len(args);
  if (n > <u32>MAX_ARGS) return type_error_msg('print', 'too many arguments');
  for (let i: u32 = 0; i < n; i++) {
    if (vtype(arr_get(args, i)) != TYPE_SET) return type_error_msg('internal.print', 'operand 1 must be array of sets');
  }
  cross(args, n, 0);
  return opa_boolean(true);
}

const NOTE: usize = memory.data<u8>([78, 111, 116, 101, 32]); // "Note "

/** trace(note): the note appears in the output as `Note "<note>"` (OPA's trace shows it so, quoted). */
export function opa_builtin_trace(note: usize): usize {
  if (vtype(note) != TYPE_STRING) return type_error_msg('trace', 'operand 1 must be string');
  cap = 64 + 2 * sl(note);
  line = malloc(cap);
  used = 0;
  put(NOTE, 5);
  put_term(note);
  store<u8>(line + used, 0);
  opa_println(line);
  return opa_boolean(true);
}
