// Static data is linked only into modules whose surviving code can address it
// (compiler/src/emit/data-reach.ts): a policy without regex carries none of the Unicode range
// tables, one with regex.match still answers from them, and zero bytes take no room.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { RUNTIME_WASM_PATH } from '../../../compiler/src/emit/runtime.ts';
import { compile, formatDiagnostic } from '../../../compiler/src/index.ts';
import { placedSegments, withoutZeroRuns, coalesced, addressConstants, ZERO_RUN, type Segment } from '../../../compiler/src/emit/data-reach.ts';

/** The names block of the generated Unicode tables (compiler/assembly/lib/unitables.ts UNI_NAMES). */
const UNI_MARKER = new TextEncoder().encode('AdlamAhomAnatolian_Hieroglyphs');

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Bytes of the data section (id 11) and its zero bytes. */
function dataSection(wasm: Uint8Array): { size: number; zeros: number } {
  let p = 8;
  const leb = (): number => {
    let r = 0;
    let s = 0;
    let b: number;
    do {
      b = wasm[p++]!;
      r += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return r;
  };
  while (p < wasm.length) {
    const id = wasm[p++]!;
    const size = leb();
    if (id === 11) {
      let zeros = 0;
      for (let i = p; i < p + size; i++) if (wasm[i] === 0) zeros++;
      return { size, zeros };
    }
    p += size;
  }
  return { size: 0, zeros: 0 };
}

async function build(source: string): Promise<Uint8Array> {
  const out = await compile({ modules: [{ file: 'p.rego', source }], entrypoints: ['p'] });
  assert.ok(out.wasm, out.diagnostics.map(formatDiagnostic).join('\n'));
  return out.wasm;
}

test('a policy without regex carries no Unicode tables; one with regex.match answers from them', async () => {
  const plain = await build(`package p
allow if { upper(input.name) == "ĀB"; startswith(input.name, "ā") }
n := count(input.list)
`);
  const withRegex = await build(`package p
upper_a := regex.match("\\\\p{Lu}", "Ā")
lower_a := regex.match("\\\\p{Lu}", "ā")
hira := regex.match("^\\\\p{Hiragana}+$", "ひらがな")
`);
  assert.equal(contains(plain, UNI_MARKER), false, 'Unicode table names linked into a module without regex');
  assert.equal(contains(withRegex, UNI_MARKER), true, 'regex module lost its Unicode tables');
  const d = dataSection(plain);
  // The tables alone are ~17.5 kB; the whole runtime's data was ~64 kB before placement (upper's
  // case tables, ~6 kB, stay).
  assert.ok(d.size < 20_000, `data section of a module without regex: ${d.size} B`);
  assert.ok(dataSection(withRegex).size > d.size + 15_000, 'the regex module holds the tables');

  const p1 = await loadPolicy(plain);
  assert.deepEqual(p1.evaluate({ name: 'āb', list: [1, 2] }, 'p'), [{ result: { allow: true, n: 2 } }]);
  const p2 = await loadPolicy(withRegex);
  assert.deepEqual(p2.evaluate({}, 'p'), [{ result: { upper_a: true, lower_a: false, hira: true } }]);
});

const seg = (name: string, offset: number, bytes: number[]): Segment => ({ name, offset, data: new Uint8Array(bytes), passive: false });
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];

/** Whether every non-zero byte of seg is in the placed image at its address. */
function holds(placed: Segment[], s: Segment): boolean {
  return [...s.data].every((byte, i) => byte === 0 || placed.some((p) => !p.passive && p.offset <= s.offset + i
    && s.offset + i < p.offset + p.data.length && p.data[s.offset + i - p.offset] === byte));
}

test('placement: referenced segments, pointers inside placed data, folded addresses; the rest dropped', () => {
  const a = seg('a', 1024, [1, 2, 3, 4]);
  // An asc static array: header, then a pointer to the payload of the string object d.
  const b = seg('b', 1040, [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, ...u32(1088 + 20), ...u32(4096)]);
  const c = seg('c', 1072, [9, 9, 9, 9]); // addressed only through a constant folded 4 bytes below it
  const d = seg('d', 1088, [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0x41, 0x42]);
  // A number in placed data that falls inside a segment is not a reference to it.
  const unused = seg('unused', 4096, [7, 7, 7, 7]);
  const zeros = seg('zeros', 2048, new Array<number>(64).fill(0));
  const pool = { name: 'pool', offset: 0, data: new Uint8Array([1]), passive: true };
  const placed = placedSegments([a, b, c, d, unused, zeros, pool], [1026, 1040, 1068, 2048, 7]);
  for (const s of [a, b, c, d]) assert.ok(holds(placed, s), s.name);
  assert.ok(!holds(placed, unused));
  assert.ok(placed.includes(pool));
  assert.ok(placed.every((s) => s.passive || [...s.data].some((x) => x !== 0)), 'an all-zero segment placed');
  // d reached, b not: a pointer counts only from data that is placed.
  const onlyD = placedSegments([b, d], [1108]);
  assert.ok(holds(onlyD, d) && !holds(onlyD, b));
  const fromB = placedSegments([a, b, d], [1040]);
  assert.ok(holds(fromB, b) && holds(fromB, d));
  // Far below a segment is not a folded address of it.
  assert.deepEqual(placedSegments([a, unused], [1024 + 8]), []);
});

test('placed pieces closer than a segment header are joined, zeros between them included', () => {
  const joined = coalesced([seg('x', 100, [1]), seg('y', 100 + 1 + ZERO_RUN - 1, [2]), seg('z', 200, [3])]);
  assert.deepEqual(joined.map((s) => [s.offset, [...s.data]]), [[100, [1, ...new Array<number>(ZERO_RUN - 1).fill(0), 2]], [200, [3]]]);
});

test('zero runs are cut out of placed segments; short ones stay', () => {
  const short = new Array<number>(ZERO_RUN - 1).fill(0);
  const long = new Array<number>(ZERO_RUN + 3).fill(0);
  const s = seg('s', 2000, [0, 0, 1, 2, ...short, 3, ...long, 4, 5, 0, 0]);
  const parts = withoutZeroRuns(s);
  assert.deepEqual(parts.map((x) => [x.offset, [...x.data]]), [
    [2002, [1, 2, ...short, 3]],
    [2002 + 3 + short.length + long.length, [4, 5]],
  ]);
  assert.deepEqual(withoutZeroRuns(seg('z', 8, [0, 0, 0])), []);
  const whole = seg('w', 8, [1, 2]);
  assert.deepEqual(withoutZeroRuns(whole).map((x) => x.name), ['w']);
});

test('address constants: i32.const operands, load offsets and global initialisers are read', () => {
  // (module (global i32 (i32.const 5000)) (memory (import "env" "memory") 1)
  //   (func (result i32) (i32.load offset=3000 (i32.const -4))))
  const wasm = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
    0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x01, // import memory
    0x03, 0x02, 0x01, 0x00, // function
    0x06, 0x07, 0x01, 0x7f, 0x00, 0x41, 0x88, 0x27, 0x0b, // global i32 const 5000
    0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x7c, 0x28, 0x02, 0xb8, 0x17, 0x0b, // code
  ]);
  // tsconfig's lib has no DOM/WebAssembly values; node has the global.
  const wa = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
  assert.ok(wa.validate(wasm));
  assert.deepEqual([...addressConstants(wasm)].sort((x, y) => x - y), [3000, 5000, 0xfffffffc]);
});

/** The active data segments of a module (MVP encoding: flag 0, i32.const offset). */
function activeSegments(wasm: Uint8Array): Segment[] {
  let p = 8;
  const leb = (signed = false): number => {
    let r = 0;
    let s = 0;
    let b: number;
    do {
      b = wasm[p++]!;
      r += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return signed && b & 0x40 ? r - 2 ** s : r;
  };
  const out: Segment[] = [];
  while (p < wasm.length) {
    const id = wasm[p++]!;
    const size = leb();
    const end = p + size;
    if (id === 11) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        const flag = leb();
        assert.equal(flag, 0, 'runtime data segments are active, memory 0');
        assert.equal(wasm[p++], 0x41);
        const offset = leb(true);
        assert.equal(wasm[p++], 0x0b);
        const len = leb();
        out.push({ name: `s${i}`, offset, data: wasm.subarray(p, p + len), passive: false });
        p += len;
      }
    }
    p = end;
  }
  return out;
}

test('the whole runtime addresses all of its static data the way placement sees it', () => {
  // With every runtime function alive, every non-zero byte must be placed: data reached some other
  // way (an address computed from another table's, a fold further than FOLD_SLACK) would show here
  // as a segment the runtime's own code does not keep, and would be lost in some policy.
  const runtime = new Uint8Array(readFileSync(RUNTIME_WASM_PATH));
  const segs = activeSegments(runtime);
  assert.ok(segs.length > 100, `${segs.length} segments`);
  const placed = placedSegments(segs, addressConstants(runtime));
  const lost = segs.filter((s) => !holds(placed, s)).map((s) => `${s.offset}+${s.data.length}`);
  assert.deepEqual(lost, []);
});
