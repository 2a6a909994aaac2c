// regex.globs_match(glob1, glob2): whether some non-empty string is matched by both regexp-style
// globs (OPA's semantics, from the glob-intersection library it uses). Globs are anchored at both
// ends; the only special symbols are `.` (any character), `+` and `*` (one or more / zero or more
// of the preceding element), `[...]` character classes with `a-z` ranges, and `\` escaping any
// character. Everything else is a literal. An invalid glob is OPA's error message.
//
// Decided exactly, in O(|glob1|·|glob2|): each glob is a small automaton (one state per element,
// a starred element loops on itself and may be skipped), and a walk over pairs of states looks
// for a pair where both accept after at least one character.
import type { HostImplementations } from './session.ts';
import { BuiltinError, str } from './types.ts';

type Flag = 'none' | 'plus' | 'star';
/** Inclusive code-point ranges (kept as ranges: `[\u0000-\u{10FFFF}]` must not become a million entries). */
type Ranges = [number, number][];
/** One element of a glob: which characters it matches (any, or code-point ranges), and its flag. */
interface Element {
  any: boolean;
  chars: Ranges;
  flag: Flag;
}

function invalid(input: string, pos: number, why: string): BuiltinError {
  return new BuiltinError(`input:${input}, pos:${pos}, ${why}: the input provided is invalid`);
}

/**
 * Splits a glob into elements. Positions in errors are code-point offsets just past the character
 * at fault, as the library reports them.
 */
export function parseGlob(input: string): Element[] {
  const cps = Array.from(input, (c) => c.codePointAt(0)!);
  const out: Element[] = [];
  let i = 0;
  /** The next character (unescaping `\x`), or undefined at the end. */
  const next = (): { cp: number; escaped: boolean } | undefined => {
    if (i >= cps.length) return undefined;
    if (cps[i] === 0x5c) {
      if (i === cps.length - 1) throw invalid(input, i, 'input ends with a \\ (escape) character');
      i += 2;
      return { cp: cps[i - 1]!, escaped: true };
    }
    i += 1;
    return { cp: cps[i - 1]!, escaped: false };
  };
  for (;;) {
    const c = next();
    if (!c) break;
    let el: Element;
    if (!c.escaped && c.cp === 0x2e) el = { any: true, chars: [], flag: 'none' };
    else if (!c.escaped && c.cp === 0x5d) throw invalid(input, i, "set-close ']' with no preceding '['");
    else if (!c.escaped && (c.cp === 0x2b || c.cp === 0x2a)) throw invalid(input, i, `flag '${String.fromCodePoint(c.cp)}' must be preceded by a non-flag`);
    else if (!c.escaped && c.cp === 0x5b) el = { any: false, chars: parseSet(), flag: 'none' };
    else el = { any: false, chars: [[c.cp, c.cp]], flag: 'none' };
    // A flag directly after the element applies to it (an escaped one is a literal).
    if (i < cps.length && (cps[i] === 0x2b || cps[i] === 0x2a)) {
      el.flag = cps[i] === 0x2b ? 'plus' : 'star';
      i += 1;
    }
    out.push(el);
  }
  return out;

  function parseSet(): Ranges {
    const chars: Ranges = [];
    let prev: number | undefined;
    for (;;) {
      const c = next();
      if (!c) throw invalid(input, i, 'found [ without matching ]');
      if (c.escaped) {
        chars.push([c.cp, c.cp]);
        prev = c.cp;
      } else if (c.cp === 0x5d) {
        return chars;
      } else if (c.cp === 0x2d) {
        if (prev === undefined) throw invalid(input, i, "range character '-' must be preceded by a Unicode character");
        if (i >= cps.length - 1) throw invalid(input, i, "range character '-' must be followed by a Unicode character");
        const end = next()!;
        if (!end.escaped && (end.cp === 0x5d || end.cp === 0x2d)) throw invalid(input, i, "range character '-' cannot be followed by a special symbol");
        if (end.cp < prev) {
          throw invalid(input, i, `range is out of order: '${String.fromCodePoint(end.cp)}' comes before '${String.fromCodePoint(prev)}' in Unicode`);
        }
        chars.push([prev, end.cp]);
        prev = undefined;
      } else {
        chars.push([c.cp, c.cp]);
        prev = c.cp;
      }
    }
  }
}

function overlap(a: Element, b: Element): boolean {
  if (a.any) return b.any || b.chars.length > 0;
  if (b.any) return a.chars.length > 0;
  return a.chars.some(([lo, hi]) => b.chars.some(([l2, h2]) => lo <= h2 && l2 <= hi));
}

/** `x+` is `x x*`: every element then has at most one way to consume a character. */
function expand(glob: Element[]): Element[] {
  return glob.flatMap((e) => (e.flag === 'plus' ? [{ ...e, flag: 'none' as const }, { ...e, flag: 'star' as const }] : [e]));
}

/** Bounds the walk's time and memory (32 MB of states: e.g. two globs of 4,000 elements). */
const MAX_STATES = 32 * 1024 * 1024;

/** Whether a non-empty string is matched by both globs (two empty globs intersect, as in OPA). */
export function globsIntersect(g1: string, g2: string): boolean {
  const a = expand(parseGlob(g1));
  const b = expand(parseGlob(g2));
  if (a.length === 0 && b.length === 0) return true;
  const states = (a.length + 1) * (b.length + 1) * 2;
  if (states > MAX_STATES) throw new BuiltinError(`globs too long to intersect (${a.length} and ${b.length} elements; at most ${MAX_STATES / 2} pairs)`);
  // A state is (position in a, position in b, whether a character was consumed yet); position
  // length = past the end. Moves: skip a starred element on either side (no character), or
  // consume one character both current elements accept. Each state is visited once.
  const width = b.length + 1;
  const seen = new Uint8Array(states);
  const stack: number[] = [];
  const push = (x: number, y: number, used: number): void => {
    const key = (x * width + y) * 2 + used;
    if (seen[key]) return;
    seen[key] = 1;
    stack.push(key);
  };
  push(0, 0, 0);
  while (stack.length > 0) {
    const key = stack.pop()!;
    const used = key & 1;
    const pair = (key - used) / 2;
    const x = Math.floor(pair / width);
    const y = pair - x * width;
    if (x === a.length && y === b.length && used) return true;
    const ea = a[x];
    const eb = b[y];
    if (ea?.flag === 'star') push(x + 1, y, used);
    if (eb?.flag === 'star') push(x, y + 1, used);
    if (ea && eb && overlap(ea, eb)) push(ea.flag === 'star' ? x : x + 1, eb.flag === 'star' ? y : y + 1, 1);
  }
  return false;
}

export const globBuiltins: HostImplementations = () => ({
  'regex.globs_match': (g1: unknown, g2: unknown): boolean => globsIntersect(str(g1, 1), str(g2, 2)),
});
