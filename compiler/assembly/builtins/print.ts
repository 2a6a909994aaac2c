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

function put_value(v: usize): void {
  if (vtype(v) == TYPE_STRING) {
    put(sp(v), sl(v));
    return;
  }
  const d = opa_value_dump(v);
  put(d, <usize>opa_dump_len());
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

/** trace(note): the note appears in the output as `Note <note>` (opa's explanation shows it so). */
export function opa_builtin_trace(note: usize): usize {
  if (vtype(note) != TYPE_STRING) return type_error_msg('trace', 'operand 1 must be string');
  cap = 64 + sl(note);
  line = malloc(cap);
  used = 0;
  put(NOTE, 5);
  put(sp(note), sl(note));
  store<u8>(line + used, 0);
  opa_println(line);
  return opa_boolean(true);
}
