// Comparison of evaluation results with a case's expectation. Values come back from the SDK as
// JSON: sets are arrays (in OPA's sort order), non-string object keys are JSON text.

/** regorus encodes sets as {"set!": [...]} and non-string-keyed objects as {"object!": [{key, value}]}. */
export function matchRegorus(actual: unknown, expected: unknown): boolean {
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    const e = expected as Record<string, unknown>;
    const keys = Object.keys(e);
    if (keys.length === 1 && Array.isArray(e['set!'])) {
      if (!Array.isArray(actual)) return false;
      return matchUnordered(actual, e['set!'], matchRegorus);
    }
    if (keys.length === 1 && Array.isArray(e['object!'])) {
      if (!isPlainObject(actual)) return false;
      const entries = e['object!'] as { key: unknown; value: unknown }[];
      const a = actual;
      // The SDK prints a non-string key as its JSON text, so distinct Rego keys can print alike
      // (`[]` and `set()`): such keys must hold values that print alike too, and count once.
      const byText = new Map<string, unknown[]>();
      for (const { key, value } of entries) {
        const k = typeof key === 'string' ? key : JSON.stringify(regorusToJson(key));
        byText.set(k, [...(byText.get(k) ?? []), value]);
      }
      if (Object.keys(a).length !== byText.size) return false;
      return [...byText.entries()].every(([k, values]) => {
        if (!Object.prototype.hasOwnProperty.call(a, k)) return false;
        const text = JSON.stringify(regorusToJson(values[0]));
        return values.every((v) => JSON.stringify(regorusToJson(v)) === text) && matchRegorus(a[k], values[0]);
      });
    }
    if (!isPlainObject(actual)) return false;
    const ak = Object.keys(actual);
    if (ak.length !== keys.length) return false;
    return keys.every((k) => Object.prototype.hasOwnProperty.call(actual, k) && matchRegorus(actual[k], e[k]));
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((x, i) => matchRegorus(actual[i], x));
  }
  return scalarEqual(actual, expected);
}

/** The JSON form the SDK would print for a regorus-encoded value (used for object keys): a set's
 * elements in OPA's order, an object's keys sorted. */
function regorusToJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(regorusToJson);
  if (isPlainObject(v)) {
    const s = v['set!'];
    if (Object.keys(v).length === 1 && Array.isArray(s)) return [...s].sort(regoCompare).map(regorusToJson);
    const o = v['object!'];
    if (Object.keys(v).length === 1 && Array.isArray(o)) {
      const entries = (o as { key: unknown; value: unknown }[]).map(({ key, value }) => [typeof key === 'string' ? key : JSON.stringify(regorusToJson(key)), regorusToJson(value)] as const);
      return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = regorusToJson(v[k]);
    return out;
  }
  return v;
}

/** OPA's order of values: null < boolean < number < string < array < object < set. */
function regoRank(v: unknown): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 4;
  if (isPlainObject(v) && Object.keys(v).length === 1 && Array.isArray(v['set!'])) return 6;
  return 5;
}

function regoCompare(a: unknown, b: unknown): number {
  const ra = regoRank(a);
  const rb = regoRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1 || ra === 2) return Number(a) - Number(b);
  if (ra === 3) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  const list = (x: unknown): unknown[] => {
    if (ra === 4) return x as unknown[];
    if (ra === 6) return [...((x as Record<string, unknown[]>)['set!'] ?? [])].sort(regoCompare);
    const o = x as Record<string, unknown>;
    return Object.keys(o).sort().flatMap((k) => [k, o[k]]);
  };
  if (ra === 0) return 0;
  const la = list(a);
  const lb = list(b);
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    const c = regoCompare(la[i], lb[i]);
    if (c !== 0) return c;
  }
  return la.length - lb.length;
}

/** Plain JSON deep equality; numbers compare by value. */
export function matchJson(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((x, i) => matchJson(actual[i], x));
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    const keys = Object.keys(expected);
    if (Object.keys(actual).length !== keys.length) return false;
    return keys.every((k) => Object.prototype.hasOwnProperty.call(actual, k) && matchJson(actual[k], expected[k]));
  }
  return scalarEqual(actual, expected);
}

/**
 * A result's bindings under OPA's `sort_bindings`: its harness converts each binding to JSON (sets
 * become arrays) and sorts the array before comparing, so a binding's array matches in any order.
 */
export function matchSortedBindings(actual: unknown, expected: unknown): boolean {
  if (!isPlainObject(actual) || !isPlainObject(expected)) return matchJson(actual, expected);
  const keys = Object.keys(expected);
  if (Object.keys(actual).length !== keys.length) return false;
  return keys.every((k) => {
    if (!Object.prototype.hasOwnProperty.call(actual, k)) return false;
    const a = actual[k];
    const e = expected[k];
    return Array.isArray(a) && Array.isArray(e) ? matchUnordered(a, e, matchJson) : matchJson(a, e);
  });
}

export function matchUnordered(actual: unknown[], expected: unknown[], eq: (a: unknown, e: unknown) => boolean): boolean {
  if (actual.length !== expected.length) return false;
  const used = new Array<boolean>(actual.length).fill(false);
  for (const e of expected) {
    const i = actual.findIndex((a, j) => !used[j] && eq(a, e));
    if (i < 0) return false;
    used[i] = true;
  }
  return true;
}

function scalarEqual(a: unknown, e: unknown): boolean {
  if (typeof a === 'number' && typeof e === 'number') return a === e || Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e));
  return a === e;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
