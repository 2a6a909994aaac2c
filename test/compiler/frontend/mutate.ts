// Seeded source mutations for the compiler's fuzz tests: characters and tokens deleted, duplicated,
// swapped or inserted (Rego keywords, operators, odd literals), so that most results are nearly valid
// Rego and reach deep into the parser, the checks and the planner.
import { tokenize } from '../../../compiler/src/lexer/lexer.ts';

const INSERTS = [
  '{', '}', '[', ']', '(', ')', '"', '`', ':=', '=', '==', '|', '&', ',', ';', '.', '\n', '#', '$"', '_',
  ' not ', ' some ', ' every ', ' in ', ' if ', ' contains ', ' else ', ' with ', ' as ', ' default ',
  'input', 'data', 'x', '-', '1e400', '\\u', '"\\ud800"', 'set()', '{x | x := 1}', 'f(', 'import ', 'package ',
];

export function mutate(src: string, rnd: () => number): string {
  const pick = (n: number): number => Math.floor(rnd() * n);
  let s = src;
  const ops = rnd() < 0.6 ? 1 : 2 + pick(2);
  for (let k = 0; k < ops; k++) {
    const op = pick(7);
    if (op <= 2) {
      // Token-level edits where the source still tokenizes.
      let toks: { offset: number; end: number }[] = [];
      try {
        toks = tokenize(s, 'fuzz.rego').filter((t) => t.kind !== 'eof');
      } catch {
        toks = [];
      }
      if (toks.length > 1) {
        const a = toks[pick(toks.length)]!;
        const b = toks[pick(toks.length)]!;
        if (op === 0) s = s.slice(0, a.offset) + s.slice(a.end);
        else if (op === 1) s = s.slice(0, a.end) + ' ' + s.slice(a.offset, a.end) + s.slice(a.end);
        else if (a.offset < b.offset && a.end <= b.offset) {
          s = s.slice(0, a.offset) + s.slice(b.offset, b.end) + s.slice(a.end, b.offset) + s.slice(a.offset, a.end) + s.slice(b.end);
        }
        continue;
      }
    }
    const i = pick(s.length + 1);
    if (op === 3) s = s.slice(0, i) + s.slice(i + 1 + pick(5));
    else if (op === 4) {
      const j = Math.min(s.length, i + 1 + pick(20));
      s = s.slice(0, j) + s.slice(i, j) + s.slice(j);
    } else if (op === 5) {
      const j = pick(s.length + 1);
      const [x, y] = i < j ? [i, j] : [j, i];
      if (y < s.length) s = s.slice(0, x) + s[y] + s.slice(x + 1, y) + s[x] + s.slice(y + 1);
    } else s = s.slice(0, i) + INSERTS[pick(INSERTS.length)]! + s.slice(i);
  }
  return s;
}
