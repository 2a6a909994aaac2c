// Loads the AI-tool catalog: the copy shipped with the agent (policies/data/catalog.json) or one
// delivered in a policy bundle's data. Always validated: a bad catalog is refused, not half-used.
import { readFileSync } from 'node:fs';
import { Catalog } from '../../../wire/src/catalog.ts';
import { validateTrusted } from '../../../wire/src/validate-trusted.ts';
import { installPath } from '../../../wire/src/install-root.ts';

export const DEFAULT_CATALOG_PATH = installPath('policies/data/catalog.json');

let cached: Catalog | null = null;

/** Validates a catalog object (e.g. `data.warden.catalog` from a verified bundle). */
export function parseCatalog(value: unknown, what = 'catalog'): Catalog {
  const c = validateTrusted(Catalog, value, what);
  const ids = new Set<string>();
  for (const t of c.tools) {
    if (ids.has(t.id)) throw new Error(`invalid ${what}: duplicate tool id '${t.id}'`);
    ids.add(t.id);
  }
  return c;
}

export function loadCatalog(path = DEFAULT_CATALOG_PATH): Catalog {
  if (path === DEFAULT_CATALOG_PATH && cached) return cached;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read catalog ${path}: ${(e as Error).message}`);
  }
  const c = parseCatalog(raw, `catalog ${path}`);
  if (path === DEFAULT_CATALOG_PATH) cached = c;
  return c;
}
