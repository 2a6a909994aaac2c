// Backtracking matcher with a visited bitmap over (instruction, position), as Go's regexp uses for
// small inputs: leftmost-first semantics with captures, and at most one visit per state, so the
// running time is bounded by program size x input size (no catastrophic blowup).
import { lib_alloc } from './alloc';
import { decode_rune, rune_width, to_lower, to_upper } from './utf8';
import { rc_match } from './regex_class';
import { A_BOT, A_EOT, A_BOL, A_EOL, A_WORDB } from './regex_parse';
import { OP_MATCH, OP_CHAR, OP_ANY_NOTNL, OP_ANY, OP_CLASS, OP_SPLIT, OP_JMP, OP_SAVE, OP_ASSERT } from './regex_compile';

/** Set when an input is too large for the visited bitmap (callers report an error). */
export let re_too_large: bool = false;

// Captures of the last successful match: re_caps[2*i], re_caps[2*i+1] = byte offsets or -1.
export let re_caps: usize = 0;

let caps: usize = 0;
let visited: usize = 0;
let visitedCap: usize = 0;
let stack: usize = 0;
let stackCap: i32 = 0;
let sp: i32 = 0;
let capsCap: i32 = 0;

const MAX_BITS: u64 = 256 * 1024 * 1024;

function push(a: i32, b: i32, c: i32): void {
  if (sp >= stackCap) {
    const n = stackCap == 0 ? 1024 : stackCap * 2;
    const ns = lib_alloc(<usize>n * 12);
    if (sp > 0) memory.copy(ns, stack, <usize>sp * 12);
    stack = ns;
    stackCap = n;
  }
  const p = stack + <usize>sp * 12;
  store<i32>(p, a);
  store<i32>(p, b, 4);
  store<i32>(p, c, 8);
  sp++;
}

function is_word_byte(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}

function assert_ok(kind: i32, text: usize, len: i32, pos: i32): bool {
  if (kind == A_BOT) return pos == 0;
  if (kind == A_EOT) return pos == len;
  if (kind == A_BOL) return pos == 0 || load<u8>(text + <usize>(pos - 1)) == 0x0a;
  if (kind == A_EOL) return pos == len || load<u8>(text + <usize>pos) == 0x0a;
  const before = pos > 0 && is_word_byte(load<u8>(text + <usize>(pos - 1)));
  const after = pos < len && is_word_byte(load<u8>(text + <usize>pos));
  const boundary = before != after;
  return kind == A_WORDB ? boundary : !boundary;
}

// Returns true if the state (pc, pos) was not visited yet, and marks it.
function visit(pc: i32, pos: i32, width: i32): bool {
  const bit = <usize>pc * <usize>width + <usize>pos;
  const p = visited + (bit >> 3);
  const m = <u8>(1 << <u8>(bit & 7));
  const v = load<u8>(p);
  if ((v & m) != 0) return false;
  store<u8>(p, v | m);
  return true;
}

function try_at(insts: usize, ninst: i32, ncap: i32, text: usize, len: i32, start: i32): bool {
  const width = len + 1;
  sp = 0;
  for (let i = 0; i < ncap * 2; i++) store<i32>(caps + (<usize>i << 2), -1);
  push(0, start, -1);
  const end = text + <usize>len;
  while (sp > 0) {
    sp--;
    const jp = stack + <usize>sp * 12;
    let pc = load<i32>(jp);
    let pos = load<i32>(jp, 4);
    const restore = load<i32>(jp, 8);
    if (restore >= 0) {
      // Undo a capture: pc holds the slot, pos the old value.
      store<i32>(caps + (<usize>restore << 2), pos);
      continue;
    }
    while (true) {
      if (!visit(pc, pos, width)) break;
      const ip = insts + (<usize>pc << 4);
      const op = load<i32>(ip);
      if (op == OP_CHAR) {
        if (pos >= len) break;
        const r = decode_rune(text + <usize>pos, end);
        const want = load<i32>(ip, 4);
        if (r != want) {
          if (load<i32>(ip, 8) == 0) break;
          if (to_lower(r) != to_lower(want) && to_upper(r) != to_upper(want)) break;
        }
        pos += rune_width;
        pc++;
      } else if (op == OP_ANY_NOTNL || op == OP_ANY) {
        if (pos >= len) break;
        const r = decode_rune(text + <usize>pos, end);
        if (op == OP_ANY_NOTNL && r == 0x0a) break;
        pos += rune_width;
        pc++;
      } else if (op == OP_CLASS) {
        if (pos >= len) break;
        const r = decode_rune(text + <usize>pos, end);
        if (!rc_match(<usize>load<i32>(ip, 4), load<i32>(ip, 8), load<i32>(ip, 12), r)) break;
        pos += rune_width;
        pc++;
      } else if (op == OP_SPLIT) {
        push(load<i32>(ip, 8), pos, -1);
        pc = load<i32>(ip, 4);
      } else if (op == OP_JMP) {
        pc = load<i32>(ip, 4);
      } else if (op == OP_SAVE) {
        const slot = load<i32>(ip, 4);
        const cp = caps + (<usize>slot << 2);
        push(0, load<i32>(cp), slot);
        store<i32>(cp, pos);
        pc++;
      } else if (op == OP_ASSERT) {
        if (!assert_ok(load<i32>(ip, 4), text, len, pos)) break;
        pc++;
      } else if (op == OP_MATCH) {
        memory.copy(re_caps, caps, <usize>ncap << 3);
        return true;
      } else {
        break;
      }
    }
  }
  return false;
}

/**
 * Searches text[from..] for the leftmost-first match of program h (assertions see the whole
 * text). Returns true and fills re_caps on a match.
 */
export function re_exec(h: usize, text: usize, len: i32, from: i32): bool {
  const insts = <usize>load<i32>(h);
  const ninst = load<i32>(h, 4);
  const ncap = load<i32>(h, 8);
  re_too_large = false;
  const bits = <u64>ninst * <u64>(len + 1);
  if (bits > MAX_BITS) {
    re_too_large = true;
    return false;
  }
  const bytes = <usize>((bits + 7) >> 3);
  if (bytes > visitedCap) {
    visited = lib_alloc(bytes);
    visitedCap = bytes;
  }
  memory.fill(visited, 0, bytes);
  if (ncap > capsCap) {
    caps = lib_alloc(<usize>ncap << 3);
    re_caps = lib_alloc(<usize>ncap << 3);
    capsCap = ncap;
  }
  const end = text + <usize>len;
  let pos = from;
  while (pos <= len) {
    if (try_at(insts, ninst, ncap, text, len, pos)) return true;
    if (pos == len) break;
    decode_rune(text + <usize>pos, end);
    pos += rune_width;
  }
  return false;
}

/**
 * Forgets cached scratch blocks. re_compile calls it, so scratch never outlives one builtin call
 * (the runtime resets its heap between evaluations).
 */
export function re_exec_reset(): void {
  visited = 0;
  visitedCap = 0;
  stack = 0;
  stackCap = 0;
  caps = 0;
  capsCap = 0;
}

export function re_cap(i: i32): i32 {
  return load<i32>(re_caps + (<usize>i << 2));
}
