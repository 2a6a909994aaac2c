// Picks the catalog the scan should use: the one inside the verified policy bundle's data
// (`data.catalog`), so detection updates without an agent release, else the one shipped with the
// agent. A bundle catalog that fails validation is not half-used: the shipped one is used and
// the problem is returned for the log/report.
import type { Catalog } from '../../../wire/src/catalog.ts';
import { loadCatalog, parseCatalog } from './load.ts';

export type CatalogChoice = { catalog: Catalog; source: 'bundle' | 'shipped'; problem?: string };

export function catalogFromBundleData(data: Record<string, unknown> | null | undefined, shipped: () => Catalog = loadCatalog): CatalogChoice {
  const raw = data?.catalog;
  if (raw === undefined) return { catalog: shipped(), source: 'shipped' };
  try {
    return { catalog: parseCatalog(raw, 'bundle data.catalog'), source: 'bundle' };
  } catch (e) {
    return { catalog: shipped(), source: 'shipped', problem: (e as Error).message };
  }
}
