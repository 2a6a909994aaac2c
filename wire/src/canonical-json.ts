// Canonical JSON (object keys sorted, no whitespace), as OPA hashes structured bundle files.
//
// Written as a loop over an explicit stack, not recursion: the input is a ban list an admin typed or
// a bundle a server sent, and a value nested a few thousand levels deep must not overflow the call
// stack (it did: a 3,000-level `settings` value made every later bundle build throw). Depth limits on
// the server's input (wire/src/json-limits.ts) keep such values out; this keeps hashing safe anyway.

type Frame =
  | { kind: 'array'; items: readonly unknown[]; next: number }
  | { kind: 'object'; obj: Record<string, unknown>; keys: string[]; next: number };

/** Types JSON.stringify leaves out of objects (and writes as null inside arrays). */
const OMITTED = new Set(['undefined', 'function', 'symbol']);

/** What JSON.stringify writes for a value that is not an object or array (undefined for none). */
function scalar(value: unknown): string | undefined {
  return JSON.stringify(value) as string | undefined;
}

/** JSON with object keys sorted (by UTF-16 code units, like Array.sort) and no whitespace. */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const stack: Frame[] = [];

  /** Writes a scalar, or opens a container and pushes its frame. */
  const open = (v: unknown, inArray: boolean): void => {
    if (v === null || typeof v !== 'object') {
      // JSON.stringify writes null for what JSON cannot hold (undefined, functions) inside arrays.
      out.push(scalar(v) ?? (inArray ? 'null' : ''));
      return;
    }
    if (Array.isArray(v)) {
      out.push('[');
      stack.push({ kind: 'array', items: v, next: 0 });
      return;
    }
    const obj = v as Record<string, unknown>;
    // Keys whose value JSON cannot hold are left out, as JSON.stringify does.
    const keys = Object.keys(obj)
      .filter((k) => !OMITTED.has(typeof obj[k]))
      .sort();
    out.push('{');
    stack.push({ kind: 'object', obj, keys, next: 0 });
  };

  open(value, false);
  for (let top = stack.at(-1); top; top = stack.at(-1)) {
    if (top.kind === 'array') {
      if (top.next === top.items.length) {
        out.push(']');
        stack.pop();
        continue;
      }
      if (top.next > 0) out.push(',');
      open(top.items[top.next++], true);
    } else {
      if (top.next === top.keys.length) {
        out.push('}');
        stack.pop();
        continue;
      }
      const k = top.keys[top.next++] as string;
      out.push(`${top.next > 1 ? ',' : ''}${JSON.stringify(k)}:`);
      open(top.obj[k], false);
    }
  }
  return out.join('');
}
