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
      if (Object.keys(a).length !== entries.length) return false;
      return entries.every(({ key, value }) => {
        const k = typeof key === 'string' ? key : JSON.stringify(regorusToJson(key));
        return Object.prototype.hasOwnProperty.call(a, k) && matchRegorus(a[k], value);
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

/** The JSON form the SDK would print for a regorus-encoded value (used for object keys). */
function regorusToJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(regorusToJson);
  if (isPlainObject(v)) {
    const s = v['set!'];
    if (Object.keys(v).length === 1 && Array.isArray(s)) return s.map(regorusToJson);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = regorusToJson(x);
    return out;
  }
  return v;
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
