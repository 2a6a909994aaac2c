// The tool facts the server names tools by: the shipped catalog (policies/data/catalog.json), never
// what a device says. A device reports tool ids it found; the display name, vendor, vendor country
// and category in every report and impact preview come from here, so one device reporting "Totally
// Safe Tool" for claude-code cannot rename a tool across the fleet (or dodge a vendor-country rule).
import type { Catalog } from '../../wire/src/catalog.ts';
import type { Finding } from '../../wire/src/inventory.ts';
import { loadCatalog } from '../../agent/src/catalog/load.ts';

export type ToolFacts = Pick<Finding, 'name' | 'vendor' | 'vendor_country' | 'category'>;

/** What a report shows for a tool id the server's catalog does not know (e.g. a newer agent's catalog). */
export const UNKNOWN_VENDOR = '(not in the server catalog)';

export class ToolCatalog {
  private readonly byId: Map<string, ToolFacts>;

  constructor(catalog: Catalog) {
    this.byId = new Map(catalog.tools.map((t) => [t.id, { name: t.name, vendor: t.vendor, vendor_country: t.vendor_country, category: t.category }]));
  }

  static shipped(): ToolCatalog {
    return new ToolCatalog(loadCatalog());
  }

  /** The finding with the catalog's facts in place of the device's (unknown ids are named by their id). */
  name(f: Finding): Finding {
    const facts = this.byId.get(f.tool_id) ?? { name: f.tool_id, vendor: UNKNOWN_VENDOR, vendor_country: null, category: 'unknown' };
    return { ...f, ...facts };
  }
}
