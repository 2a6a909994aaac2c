// Which static data a linked module can read. The runtime's data (abort messages, lookup tables,
// the Unicode range tables, scratch buffers) sits at fixed addresses chosen by asc, one segment per
// `memory.data`/literal; binaryen's remove-unused-module-elements drops the functions a policy does
// not reach but keeps every active segment, since nothing in the module says which code reads which
// bytes. That is decided here, from the emitted binary: a segment is owned by the code whose
// constants point into it, and is placed only when some surviving function (or global, or another
// placed segment) holds such an address.
//
// An address appears as an `i32.const` or as a load/store's static offset (binaryen folds
// `load(BASE + i)` into `load offset=BASE`). The optimiser also folds `BASE + (i - k) * s` into
// `i * s + (BASE - k*s)`, a constant just below the segment (seen: the dtoa buffer reached through
// 1052 for 1056), so a constant keeps the segment it falls in and every segment starting within
// FOLD_SLACK bytes above it. Pointers inside placed data (asc's static arrays of strings) are
// followed too. Over-keeping only costs bytes; what is dropped must be unreachable.
//
// Memory is zero-initialised (the SDK creates a fresh Memory per instance), so zero bytes need no
// segment at all: runs of zeros are cut out of the active segments that stay, and what remains is
// rejoined across gaps shorter than a segment header.

/** How far below a segment a folded address constant may point (largest fold seen: 4 bytes). */
export const FOLD_SLACK = 64;
/** A zero run this long is cut out of a segment (an active segment's header costs ~7 bytes). */
export const ZERO_RUN = 8;
/** asc's object header (mmInfo, gcInfo, gcInfo2, rtId, rtSize) before a static object's payload. */
const AS_HEADER = 20;

export interface Segment {
  name: string;
  /** Start address; ignored for a passive segment. */
  offset: number;
  data: Uint8Array;
  passive: boolean;
}

/**
 * Every i32 the module's code and global initialisers can use as an address: `i32.const` operands
 * and load/store static offsets. Throws on an opcode outside the features the emitter enables
 * (never guesses: a misread immediate would desynchronise the decoder).
 */
export function addressConstants(wasm: Uint8Array): Set<number> {
  const out = new Set<number>();
  let p = 8;
  const byte = (): number => {
    if (p >= wasm.length) throw new Error('data-reach: truncated module');
    return wasm[p++]!;
  };
  /** An LEB128 immediate; a signed one is returned as the i32's unsigned address. */
  const leb = (signed: boolean): number => {
    let r = 0;
    let s = 0;
    let b: number;
    do {
      b = byte();
      r += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    if (signed && b & 0x40) r -= 2 ** s;
    return signed ? r >>> 0 : r;
  };
  const u32 = (): number => leb(false);
  const sleb32 = (): number => leb(true);
  const skipLeb = (): void => {
    while (byte() & 0x80) { /* continuation */ }
  };
  const expr = (end: number): void => {
    while (p < end) {
      const op = byte();
      if (op === 0x02 || op === 0x03 || op === 0x04) {
        const t = wasm[p]!;
        if (t === 0x40 || (t >= 0x6f && t <= 0x7f)) p++;
        else skipLeb(); // type index (s33)
      } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2
        || op === 0x3f || op === 0x40) {
        u32();
      } else if (op === 0x0e) {
        const n = u32();
        for (let i = 0; i <= n; i++) u32();
      } else if (op === 0x11) {
        u32();
        u32();
      } else if (op === 0x1c) {
        p += u32();
      } else if (op >= 0x28 && op <= 0x3e) {
        const align = u32();
        if (align & 0x40) u32(); // memory index (multi-memory)
        out.add(u32());
      } else if (op === 0x41) {
        out.add(sleb32());
      } else if (op === 0x42) {
        skipLeb();
      } else if (op === 0x43) {
        p += 4;
      } else if (op === 0x44) {
        p += 8;
      } else if (op === 0xd0) {
        p++;
      } else if (op === 0xfc) {
        const sub = u32();
        if (sub <= 7) { /* saturating truncations */ } else if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
          u32();
          u32();
        } else if (sub <= 17) u32();
        else throw new Error(`data-reach: unknown opcode 0xfc ${sub} at byte ${p}`);
      } else if (!(op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b
        || op === 0xd1 || (op >= 0x45 && op <= 0xc4))) {
        throw new Error(`data-reach: unknown opcode 0x${op.toString(16)} at byte ${p - 1}`);
      }
    }
  };
  while (p < wasm.length) {
    const id = byte();
    const size = u32();
    const end = p + size;
    if (id === 6) { // globals: valtype, mut, init expr
      const n = u32();
      for (let i = 0; i < n; i++) {
        p += 2;
        exprUntilEnd();
      }
    } else if (id === 10) {
      const n = u32();
      for (let i = 0; i < n; i++) {
        const bodySize = u32();
        const bodyEnd = p + bodySize;
        const groups = u32();
        for (let j = 0; j < groups; j++) {
          u32();
          p++;
        }
        expr(bodyEnd);
        p = bodyEnd;
      }
    }
    p = end;
  }
  return out;

  /** A constant expression: instructions until its `end`, decoded one by one. */
  function exprUntilEnd(): void {
    for (;;) {
      if (wasm[p] === 0x0b) {
        p++;
        return;
      }
      const before = p;
      const op = wasm[p]!;
      if (op === 0x41) {
        p++;
        out.add(sleb32());
      } else if (op === 0x42) {
        p++;
        skipLeb();
      } else if (op === 0x43) p += 5;
      else if (op === 0x44) p += 9;
      else if (op === 0x23 || op === 0xd2) {
        p++;
        u32();
      } else if (op === 0xd0) p += 2;
      else throw new Error(`data-reach: unexpected opcode 0x${op.toString(16)} in a constant expression at byte ${before}`);
    }
  }
}

/**
 * The segments to place: passive ones unchanged, then active ones reachable from `addresses`
 * (closure over pointers inside the placed data) as one memory image cut at runs of ZERO_RUN or
 * more zero bytes, in address order.
 */
export function placedSegments(segments: readonly Segment[], addresses: Iterable<number>): Segment[] {
  const active = segments.filter((s) => !s.passive).sort((a, b) => a.offset - b.offset);
  const live = new Set<Segment>();
  const queue: Segment[] = [];
  const mark = (s: Segment): void => {
    if (!live.has(s)) {
      live.add(s);
      queue.push(s);
    }
  };
  /** Index of the last segment starting at or below a, or -1. */
  const floor = (a: number): number => {
    let lo = 0;
    let hi = active.length - 1;
    let r = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (active[mid]!.offset <= a) {
        r = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return r;
  };
  const reach = (a: number): void => {
    const i = floor(a);
    if (i >= 0 && a < active[i]!.offset + active[i]!.data.length) mark(active[i]!);
    for (let j = i + 1; j < active.length && active[j]!.offset <= a + FOLD_SLACK; j++) mark(active[j]!);
  };
  if (active.length > 0) {
    const lo = active[0]!.offset - FOLD_SLACK;
    const last = active[active.length - 1]!;
    const hi = last.offset + last.data.length;
    const inRange = (a: number): boolean => a >= lo && a < hi;
    for (const a of addresses) if (inRange(a)) reach(a);
    // Pointers in data: asc places each static object (string, ArrayBuffer, Array) in its own
    // segment behind a 20-byte header, and a reference to it is the address of its payload. Only
    // such words are followed: tables of numbers (code points, offsets) are not addresses.
    const objects = new Map<number, Segment>();
    for (const s of active) if (s.data.length >= AS_HEADER) objects.set(s.offset + AS_HEADER, s);
    while (queue.length > 0) {
      const s = queue.pop()!;
      const view = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
      for (let k = (4 - (s.offset & 3)) & 3; k + 4 <= s.data.length; k += 4) {
        const target = objects.get(view.getUint32(k, true));
        if (target !== undefined) mark(target);
      }
    }
  }
  const pieces = active.filter((s) => live.has(s)).flatMap(withoutZeroRuns);
  return [...segments.filter((s) => s.passive), ...coalesced(pieces)];
}

/**
 * Neighbouring pieces (sorted by address) joined when fewer than ZERO_RUN bytes lie between them:
 * the gap's zeros cost less than another segment's header.
 */
export function coalesced(pieces: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  let run: Segment[] = [];
  const flush = (): void => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) {
      const first = run[0]!;
      const last = run[run.length - 1]!;
      const data = new Uint8Array(last.offset + last.data.length - first.offset);
      for (const s of run) data.set(s.data, s.offset - first.offset);
      out.push({ name: first.name, offset: first.offset, data, passive: false });
    }
    run = [];
  };
  for (const s of pieces) {
    const prev = run[run.length - 1];
    if (prev !== undefined && s.offset - (prev.offset + prev.data.length) >= ZERO_RUN) flush();
    run.push(s);
  }
  flush();
  return out;
}

/** An active segment split around its zero runs (none left if it is all zeros). */
export function withoutZeroRuns(s: Segment): Segment[] {
  const out: Segment[] = [];
  const d = s.data;
  let i = 0;
  while (i < d.length) {
    while (i < d.length && d[i] === 0) i++;
    if (i >= d.length) break;
    // A piece runs until the next zero run of ZERO_RUN bytes (or the end).
    let j = i;
    let zeros = 0;
    for (; j < d.length; j++) {
      if (d[j] === 0) {
        if (++zeros >= ZERO_RUN) break;
      } else zeros = 0;
    }
    const end = j < d.length ? j + 1 - zeros : d.length - trailingZeros(d, i);
    out.push({ name: `${s.name}$${out.length}`, offset: s.offset + i, data: d.subarray(i, end), passive: false });
    i = end;
  }
  if (out.length === 1 && out[0]!.offset === s.offset && out[0]!.data.length === d.length) out[0]!.name = s.name;
  return out;
}

function trailingZeros(d: Uint8Array, from: number): number {
  let n = 0;
  for (let k = d.length - 1; k >= from && d[k] === 0; k--) n++;
  return n;
}
