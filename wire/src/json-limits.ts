// Shape limits for free-form JSON (a configure rule's `settings`): how deep and how big a value may
// be. JSON Schema cannot bound nesting, and every consumer of a ban list — deep comparison on the
// server, canonical hashing, the WASM policy's JSON parser on each agent — pays for depth, so the
// server refuses an over-deep or over-big value up front with the JSON path of the first offender.
// The walk is iterative: checking a hostile value must not overflow the stack itself.

export type JsonPath = readonly (string | number)[];

export interface JsonShapeLimits {
  /** Most nested arrays/objects, counting the root container as 1. */
  maxDepth: number;
  /** Most values (containers and scalars) in the whole value. */
  maxNodes?: number;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `rules[3].settings.a.b` for ['rules', 3, 'settings', 'a', 'b']; keys that are not identifiers are
 * quoted (`settings["my key"]`). Past `maxSegments` the rest is elided as `…` so a message about a
 * 3,000-level value stays short.
 */
export function formatJsonPath(path: JsonPath, maxSegments = 8): string {
  let out = '';
  for (const [i, seg] of path.entries()) {
    if (i === maxSegments) return `${out}…`;
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * The first place where `value` breaks a limit, as "path: problem", or null. `at` is the path of
 * `value` inside its document and `depthAt` how many containers enclose it there, so depth and paths
 * read from the document's root.
 */
export function jsonShapeProblem(value: unknown, limits: JsonShapeLimits, at: JsonPath = [], depthAt = 0): string | null {
  const stack: { v: unknown; path: JsonPath; depth: number }[] = [{ v: value, path: at, depth: depthAt }];
  let nodes = 0;
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop() as { v: unknown; path: JsonPath; depth: number };
    nodes++;
    if (limits.maxNodes !== undefined && nodes > limits.maxNodes) return `${formatJsonPath(at)}: more than ${limits.maxNodes} values`;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limits.maxDepth) return `${formatJsonPath(path)}: nested deeper than ${limits.maxDepth}`;
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    // Pushed in reverse so the first offender in document order is reported first.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i] as [string | number, unknown];
      stack.push({ v: x, path: [...path, k], depth: depth + 1 });
    }
  }
  return null;
}
