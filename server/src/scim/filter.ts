// SCIM filters (RFC 7644 §3.4.2.2) as identity providers send them: parsed by scim2-parse-filter,
// checked against the schema (an unknown attribute or a comparison the type does not allow is a 400
// invalidFilter, not an empty answer), and evaluated here because the RFC's comparison rules depend
// on the schema: attribute names never compare with case, string values compare without case unless
// the attribute is caseExact (id, externalId, members.value), a multi-valued attribute matches when
// any of its values does, and a complex attribute compared directly means its "value".
import { parse, type Filter } from 'scim2-parse-filter';
import { invalidFilter } from './errors.ts';
import { resolveAttribute, type AttrDef, type ResourceKind } from './schemas.ts';

export type Predicate = (resource: Record<string, unknown>) => boolean;

export interface CompiledFilter {
  test: Predicate;
  /** An equality on an indexed attribute every match must satisfy (lets the store narrow first). */
  narrow: { attr: 'userName' | 'externalId' | 'id' | 'displayName'; value: string } | null;
  /** Top-level attributes the filter reads (e.g. members: the caller must load them). */
  reads: Set<string>;
}

const MAX_FILTER = 4096;

/** Looks a key up without case (attribute names are case-insensitive). */
function field(obj: unknown, name: string): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  if (name in o) return o[name];
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

/** Every value at the path (multi-valued attributes fan out; complex values compare by "value"). */
function valuesAt(resource: Record<string, unknown>, urn: string | null, names: string[]): unknown[] {
  let cur: unknown[] = [urn ? field(resource, urn) : resource];
  for (const n of names) {
    cur = cur.flatMap((c) => (Array.isArray(c) ? c : [c])).map((c) => field(c, n));
  }
  return cur.flatMap((c) => (Array.isArray(c) ? c : [c])).map((c) => (c && typeof c === 'object' && !Array.isArray(c) ? field(c, 'value') : c)).filter((v) => v !== undefined);
}

type Op = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';

function compare(op: Op, def: AttrDef, have: unknown, want: unknown): boolean {
  if (typeof have === 'string' && typeof want === 'string') {
    const [h, w] = def.caseExact ? [have, want] : [have.toLowerCase(), want.toLowerCase()];
    switch (op) {
      case 'eq': return h === w;
      case 'ne': return h !== w;
      case 'co': return h.includes(w);
      case 'sw': return h.startsWith(w);
      case 'ew': return h.endsWith(w);
      case 'gt': return h > w;
      case 'lt': return h < w;
      case 'ge': return h >= w;
      case 'le': return h <= w;
    }
  }
  if (op === 'eq') return have === want;
  if (op === 'ne') return have !== want;
  if (typeof have === 'number' && typeof want === 'number') return op === 'gt' ? have > want : op === 'lt' ? have < want : op === 'ge' ? have >= want : op === 'le' ? have <= want : false;
  return false;
}

function checkOperands(op: string, def: AttrDef, value: unknown, path: string): void {
  if (def.type === 'complex' && def.subAttributes && !def.subAttributes.some((s) => s.name === 'value')) throw invalidFilter(`'${path}' is a complex attribute: filter on one of its sub-attributes`);
  if (def.type === 'boolean' && !(op === 'eq' || op === 'ne')) throw invalidFilter(`'${op}' cannot compare the boolean attribute '${path}'`);
  if (def.type === 'boolean' && typeof value !== 'boolean') throw invalidFilter(`'${path}' is a boolean: compare it with true or false`);
  if ((op === 'co' || op === 'sw' || op === 'ew') && typeof value !== 'string') throw invalidFilter(`'${op}' needs a string value`);
}

function compileNode(kind: ResourceKind, f: Filter, prefix: string[] | null, reads: Set<string>): Predicate {
  switch (f.op) {
    case 'and': {
      const parts = f.filters.map((x) => compileNode(kind, x, prefix, reads));
      return (r) => parts.every((p) => p(r));
    }
    case 'or': {
      const parts = f.filters.map((x) => compileNode(kind, x, prefix, reads));
      return (r) => parts.some((p) => p(r));
    }
    case 'not': {
      const inner = compileNode(kind, f.filter, prefix, reads);
      return (r) => !inner(r);
    }
    case '[]': {
      if (prefix) throw invalidFilter('a value filter cannot be nested in another one');
      const outer = resolveAttribute(kind, f.attrPath);
      if (!outer || outer.names.length !== 1 || outer.def.type !== 'complex') throw invalidFilter(`'${f.attrPath}' is not a complex attribute of ${kind}`);
      reads.add(outer.def.name.toLowerCase());
      const inner = compileNode(kind, f.valFilter, [outer.urn ?? '', outer.def.name], reads);
      return (r) => {
        const container = outer.urn ? field(r, outer.urn) : r;
        const items = field(container, outer.def.name);
        return (Array.isArray(items) ? items : items === undefined ? [] : [items]).some((it) => it && typeof it === 'object' && inner(it as Record<string, unknown>));
      };
    }
    default: {
      const path = prefix ? `${prefix[0] ? `${prefix[0]}:` : ''}${prefix[1]}.${f.attrPath}` : f.attrPath;
      const attr = resolveAttribute(kind, path);
      if (!attr) throw invalidFilter(`'${f.attrPath}' is not an attribute of ${kind}`);
      reads.add((attr.urn ?? attr.names[0] ?? '').toLowerCase());
      // Inside a value filter the predicate receives one element of the multi-valued attribute.
      const read = prefix ? (r: Record<string, unknown>) => valuesAt(r, null, attr.names.slice(1)) : (r: Record<string, unknown>) => valuesAt(r, attr.urn, attr.names);
      if (f.op === 'pr') return (r) => read(r).some((v) => v !== null && v !== '' && !(Array.isArray(v) && v.length === 0));
      const op = f.op;
      const want = f.compValue;
      checkOperands(op, attr.def, want, f.attrPath);
      if (op === 'ne') return (r) => !read(r).some((v) => compare('eq', attr.def, v, want));
      return (r) => read(r).some((v) => compare(op, attr.def, v, want));
    }
  }
}

/** Finds `attr eq "value"` on an indexed attribute at the top (or inside a top-level and). */
function narrowOf(kind: ResourceKind, f: Filter): CompiledFilter['narrow'] {
  const indexed: Record<ResourceKind, string[]> = { User: ['userName', 'externalId', 'id'], Group: ['displayName', 'externalId', 'id'] };
  if (f.op === 'and') {
    for (const x of f.filters) {
      const n = narrowOf(kind, x);
      if (n) return n;
    }
    return null;
  }
  if (f.op !== 'eq' || typeof f.compValue !== 'string') return null;
  const attr = resolveAttribute(kind, f.attrPath);
  if (!attr || attr.urn || attr.names.length !== 1) return null;
  const name = attr.names[0] as string;
  return indexed[kind].includes(name) ? { attr: name as 'userName' | 'externalId' | 'id' | 'displayName', value: f.compValue } : null;
}

export function compileFilter(kind: ResourceKind, text: string): CompiledFilter {
  if (text.length > MAX_FILTER) throw invalidFilter(`filter longer than ${MAX_FILTER} characters`);
  let ast: Filter;
  try {
    ast = parse(text);
  } catch (e) {
    throw invalidFilter(`cannot parse filter: ${(e as Error).message}`);
  }
  const reads = new Set<string>();
  return { test: compileNode(kind, ast, null, reads), narrow: narrowOf(kind, ast), reads };
}
