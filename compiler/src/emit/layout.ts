// Constant pool: values laid out at compile time in the runtime's value format (see
// compiler/assembly/value.ts — this file must match it), plus NUL-terminated C strings. The pool
// becomes one data segment placed right after the runtime's static data.

export const TYPE_NULL = 1;
export const TYPE_BOOLEAN = 2;
export const TYPE_NUMBER = 3;
export const TYPE_STRING = 4;
export const TYPE_ARRAY = 5;
export const TYPE_OBJECT = 6;
export const TYPE_SET = 7;
const NUM_INT = 0;
const NUM_REF = 2;

const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** A scalar constant known at compile time (operands of constant collections). */
export type ConstScalar = { kind: 'bool'; value: boolean } | { kind: 'string'; value: string };

/** OPA's order on the scalars above (the runtime's compare.ts): booleans before strings, bytewise UTF-8. */
export function compareScalar(a: ConstScalar, b: ConstScalar): number {
  if (a.kind !== b.kind) return a.kind === 'bool' ? -1 : 1;
  if (a.kind === 'bool' && b.kind === 'bool') return Number(a.value) - Number(b.value);
  return Buffer.compare(Buffer.from(String(a.value), 'utf8'), Buffer.from(String(b.value), 'utf8'));
}

export class ConstPool {
  readonly base: number;
  private bytes: Uint8Array;
  private len = 0;
  private readonly strings = new Map<string, number>();
  private readonly cstrings = new Map<string, number>();
  private readonly numbers = new Map<string, number>();
  private nullAddr = 0;
  private boolAddr: [number, number] = [0, 0];

  constructor(base: number) {
    this.base = base;
    this.bytes = new Uint8Array(4096);
  }

  get end(): number {
    return this.base + this.len;
  }

  data(): Uint8Array {
    return this.bytes.subarray(0, this.len);
  }

  private alloc(n: number, align = 8): number {
    this.len = (this.len + align - 1) & ~(align - 1);
    const need = this.len + n;
    if (need > this.bytes.length) {
      let cap = this.bytes.length * 2;
      while (cap < need) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.bytes.subarray(0, this.len));
      this.bytes = nb;
    }
    const at = this.len;
    this.len = need;
    return at; // offset inside the pool
  }

  private view(): DataView {
    return new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  private rawBytes(b: Uint8Array, align = 1): number {
    const off = this.alloc(Math.max(b.length, 1), align);
    this.bytes.set(b, off);
    return this.base + off;
  }

  null(): number {
    if (this.nullAddr === 0) {
      const off = this.alloc(8);
      this.bytes[off] = TYPE_NULL;
      this.nullAddr = this.base + off;
    }
    return this.nullAddr;
  }

  bool(b: boolean): number {
    const i = b ? 1 : 0;
    if (this.boolAddr[i] === 0) {
      const off = this.alloc(8);
      this.bytes[off] = TYPE_BOOLEAN;
      this.bytes[off + 4] = i;
      this.boolAddr[i] = this.base + off;
    }
    return this.boolAddr[i];
  }

  /** A string value (header + UTF-8 bytes). */
  string(s: string): number {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    const utf8 = new TextEncoder().encode(s);
    const dataAddr = this.rawBytes(utf8);
    const off = this.alloc(16);
    const v = this.view();
    v.setUint32(off, TYPE_STRING, true);
    v.setUint32(off + 4, utf8.length, true);
    v.setUint32(off + 8, dataAddr, true);
    const addr = this.base + off;
    this.strings.set(s, addr);
    return addr;
  }

  /** A NUL-terminated string (abort messages, JSON texts for builtins()/entrypoints()). */
  cstring(s: string): number {
    const hit = this.cstrings.get(s);
    if (hit !== undefined) return hit;
    const utf8 = new TextEncoder().encode(s);
    const b = new Uint8Array(utf8.length + 1);
    b.set(utf8);
    const addr = this.rawBytes(b);
    this.cstrings.set(s, addr);
    return addr;
  }

  /** A number value from its literal text; throws on text that is not a JSON number. */
  number(text: string): number {
    const hit = this.numbers.get(text);
    if (hit !== undefined) return hit;
    if (!JSON_NUMBER.test(text)) throw new Error(`invalid number literal ${JSON.stringify(text)}`);
    let addr: number;
    const isInt = !/[.eE]/.test(text);
    const digits = text.startsWith('-') ? text.length - 1 : text.length;
    if (isInt && digits <= 18) {
      const off = this.alloc(24);
      const v = this.view();
      v.setUint8(off, TYPE_NUMBER);
      v.setUint8(off + 1, NUM_INT);
      v.setBigInt64(off + 8, BigInt(text), true);
      addr = this.base + off;
    } else {
      const textAddr = this.rawBytes(new TextEncoder().encode(text));
      const off = this.alloc(24);
      const v = this.view();
      v.setUint8(off, TYPE_NUMBER);
      v.setUint8(off + 1, NUM_REF);
      v.setUint32(off + 4, text.length, true);
      v.setFloat64(off + 8, Number(text), true);
      v.setUint32(off + 16, textAddr, true);
      addr = this.base + off;
    }
    this.numbers.set(text, addr);
    return addr;
  }

  int(i: number): number {
    if (!Number.isSafeInteger(i)) throw new Error(`integer constant out of range: ${i}`);
    return this.number(String(i));
  }

  scalar(c: ConstScalar): number {
    return c.kind === 'bool' ? this.bool(c.value) : this.string(c.value);
  }

  private collection(tag: number, slots: number[], len: number): number {
    const items = this.alloc(Math.max(slots.length, 1) * 4);
    const off = this.alloc(16);
    const v = this.view();
    slots.forEach((e, i) => v.setUint32(items + i * 4, e, true));
    v.setUint32(off, tag, true);
    v.setUint32(off + 4, len, true);
    v.setUint32(off + 8, len, true);
    v.setUint32(off + 12, this.base + items, true);
    return this.base + off;
  }

  /** An immutable set of constants: sorted, deduplicated (the runtime's set layout). */
  set(elems: ConstScalar[]): number {
    const sorted = [...elems].sort(compareScalar).filter((e, i, a) => i === 0 || compareScalar(a[i - 1] as ConstScalar, e) !== 0);
    return this.collection(TYPE_SET, sorted.map((e) => this.scalar(e)), sorted.length);
  }

  /** An immutable object of constants; later pairs replace earlier ones (ObjectInsertStmt). */
  object(pairs: [ConstScalar, ConstScalar][]): number {
    const byKey: [ConstScalar, ConstScalar][] = [];
    for (const [k, val] of pairs) {
      const i = byKey.findIndex(([k2]) => compareScalar(k, k2) === 0);
      if (i >= 0) byKey[i] = [k, val];
      else byKey.push([k, val]);
    }
    byKey.sort((x, y) => compareScalar(x[0], y[0]));
    return this.collection(TYPE_OBJECT, byKey.flatMap(([k, val]) => [this.scalar(k), this.scalar(val)]), byKey.length);
  }

  /** An immutable array value of already-laid-out element addresses. */
  array(elems: number[]): number {
    const items = this.alloc(Math.max(elems.length, 1) * 4);
    const off = this.alloc(16);
    const v = this.view();
    elems.forEach((e, i) => v.setUint32(items + i * 4, e, true));
    v.setUint32(off, TYPE_ARRAY, true);
    v.setUint32(off + 4, elems.length, true);
    v.setUint32(off + 8, elems.length, true);
    v.setUint32(off + 12, this.base + items, true);
    return this.base + off;
  }
}
