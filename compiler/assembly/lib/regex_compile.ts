// Compiles a regex AST (regex_parse) into a program for the backtracking matcher (regex_exec).
// Instruction layout (16 bytes): op, a, b, c.
import { lib_alloc } from './alloc';
import { re_exec_reset } from './regex_exec';
import { N_EMPTY, N_LIT, N_ANY, N_CLASS, N_CAT, N_ALT, N_REPEAT, N_GROUP, N_ASSERT, E_TOO_BIG, re_parse, re_error, re_ncap, re_names } from './regex_parse';

export const OP_MATCH = 0;
export const OP_CHAR = 1; // a = rune, b = fold
export const OP_ANY_NOTNL = 2;
export const OP_ANY = 3;
export const OP_CLASS = 4; // a = ranges, b = count, c = flags
export const OP_SPLIT = 5; // a = preferred pc, b = other pc
export const OP_JMP = 6; // a = pc
export const OP_SAVE = 7; // a = slot
export const OP_ASSERT = 8; // a = kind

const MAX_INST: i32 = 100000;

/** Compiled program header (16 bytes): insts ptr, count, ncap, names ptr. */
export let re_compile_error: i32 = 0;

let insts: usize = 0;
let pc: i32 = 0;

function nk(n: usize): i32 { return load<i32>(n); }
function nx(n: usize): i32 { return load<i32>(n, 4); }
function ny(n: usize): i32 { return load<i32>(n, 8); }
function nl(n: usize): usize { return <usize>load<i32>(n, 12); }
function nr(n: usize): usize { return <usize>load<i32>(n, 16); }
function nf(n: usize): i32 { return load<i32>(n, 20); }

function size(n: usize): i32 {
  const k = nk(n);
  if (k == N_EMPTY) return 0;
  if (k == N_LIT || k == N_ANY || k == N_CLASS || k == N_ASSERT) return 1;
  if (k == N_CAT) {
    let s = 0;
    for (let c = n; c != 0; c = nr(c)) {
      s += size(nl(c));
      if (s > MAX_INST) return MAX_INST + 1;
    }
    return s;
  }
  if (k == N_ALT) return size(nl(n)) + size(nr(n)) + 2;
  if (k == N_GROUP) return size(nl(n)) + (nx(n) >= 0 ? 2 : 0);
  // N_REPEAT
  const s = <i64>size(nl(n));
  const min = <i64>nx(n);
  const max = <i64>ny(n);
  let t: i64;
  if (max < 0) t = min == 0 ? s + 2 : min * s + 1;
  else t = min * s + (max - min) * (s + 1);
  return t > <i64>MAX_INST ? MAX_INST + 1 : <i32>t;
}

function emit(op: i32, a: i32, b: i32, c: i32): i32 {
  const p = insts + (<usize>pc << 4);
  store<i32>(p, op);
  store<i32>(p, a, 4);
  store<i32>(p, b, 8);
  store<i32>(p, c, 12);
  return pc++;
}

function patch_a(at: i32, v: i32): void {
  store<i32>(insts + (<usize>at << 4), v, 4);
}

function patch_b(at: i32, v: i32): void {
  store<i32>(insts + (<usize>at << 4), v, 8);
}

function gen(n: usize): void {
  const k = nk(n);
  if (k == N_EMPTY) return;
  if (k == N_LIT) {
    emit(OP_CHAR, nx(n), nf(n) & 1, 0);
  } else if (k == N_ANY) {
    emit((nf(n) & 2) != 0 ? OP_ANY : OP_ANY_NOTNL, 0, 0, 0);
  } else if (k == N_CLASS) {
    emit(OP_CLASS, nx(n), ny(n), nf(n));
  } else if (k == N_ASSERT) {
    emit(OP_ASSERT, nx(n), 0, 0);
  } else if (k == N_CAT) {
    for (let c = n; c != 0; c = nr(c)) gen(nl(c));
  } else if (k == N_ALT) {
    const split = emit(OP_SPLIT, pc + 1, 0, 0);
    gen(nl(n));
    const jmp = emit(OP_JMP, 0, 0, 0);
    patch_b(split, pc);
    gen(nr(n));
    patch_a(jmp, pc);
  } else if (k == N_GROUP) {
    const cap = nx(n);
    if (cap >= 0) emit(OP_SAVE, cap * 2, 0, 0);
    gen(nl(n));
    if (cap >= 0) emit(OP_SAVE, cap * 2 + 1, 0, 0);
  } else {
    gen_repeat(n);
  }
}

// A split whose preferred branch depends on greediness: `into` is the loop body / optional part.
function split_to(): i32 {
  return emit(OP_SPLIT, 0, 0, 0);
}

function set_split(at: i32, greedy: bool, into: i32, out: i32): void {
  if (greedy) {
    patch_a(at, into);
    patch_b(at, out);
  } else {
    patch_a(at, out);
    patch_b(at, into);
  }
}

function gen_repeat(n: usize): void {
  const sub = nl(n);
  const min = nx(n);
  const max = ny(n);
  const greedy = (nf(n) & 1) != 0;
  if (max < 0) {
    if (min == 0) {
      // L: split body, out; body; jmp L
      const l = split_to();
      gen(sub);
      emit(OP_JMP, l, 0, 0);
      set_split(l, greedy, l + 1, pc);
      return;
    }
    for (let i = 0; i < min - 1; i++) gen(sub);
    // L: body; split L, out
    const l = pc;
    gen(sub);
    const s = split_to();
    set_split(s, greedy, l, pc);
    return;
  }
  for (let i = 0; i < min; i++) gen(sub);
  // Optional copies: split a, out; a: body; ... all outs point to the end.
  const opt = max - min;
  if (opt == 0) return;
  const splits = lib_alloc(<usize>opt << 2);
  for (let i = 0; i < opt; i++) {
    const s = split_to();
    store<i32>(splits + (<usize>i << 2), s);
    gen(sub);
  }
  for (let i = 0; i < opt; i++) {
    const s = load<i32>(splits + (<usize>i << 2));
    set_split(s, greedy, s + 1, pc);
  }
}

/** Parses and compiles; returns a program header pointer or 0 (error in re_compile_error). */
export function re_compile(p: usize, len: usize): usize {
  re_compile_error = 0;
  re_exec_reset();
  const root = re_parse(p, len);
  if (root == 0) {
    re_compile_error = re_error;
    return 0;
  }
  const s = size(root);
  if (s > MAX_INST) {
    re_compile_error = E_TOO_BIG;
    return 0;
  }
  const total = s + 3;
  insts = lib_alloc(<usize>total << 4);
  pc = 0;
  emit(OP_SAVE, 0, 0, 0);
  gen(root);
  emit(OP_SAVE, 1, 0, 0);
  emit(OP_MATCH, 0, 0, 0);
  const h = lib_alloc(16);
  store<i32>(h, <i32>insts);
  store<i32>(h, pc, 4);
  store<i32>(h, re_ncap, 8);
  store<i32>(h, <i32>re_names, 12);
  return h;
}

export function re_prog_ncap(h: usize): i32 {
  return load<i32>(h, 8);
}

/** Capture group index for the name [p, p+n), or -1. */
export function re_group_index(h: usize, p: usize, n: usize): i32 {
  const ncap = load<i32>(h, 8);
  const names = <usize>load<i32>(h, 12);
  for (let i = 1; i < ncap; i++) {
    const np = <usize>load<i32>(names + (<usize>i << 3));
    const nn = <usize>load<i32>(names + (<usize>i << 3), 4);
    if (nn == n && memory.compare(np, p, n) == 0) return i;
  }
  return -1;
}
