// Every console page in one list: its path, its name in the navigation, and which roles see it.
// Adding a page = one component file + one entry here (roles: omit for every role; the API still
// decides what each role may do — hiding a page or button is only for clarity).
import type { AnyComponent } from 'preact';
import type { Role } from '../api.ts';
import { Overview } from './overview.tsx';
import { Bans } from './bans.tsx';
import { Exceptions } from './exceptions.tsx';
import { Inventory } from './inventory.tsx';
import { Device } from './device.tsx';
import { Reports } from './reports.tsx';
import { ComplianceSummary } from './compliance-summary.tsx';
import { Audit } from './audit.tsx';
import { Users } from './users.tsx';
import { Groups } from './groups.tsx';
import { Integrations } from './integrations.tsx';

export interface PageDef {
  /** Path under the console (preact-iso pattern, e.g. /console/devices/:id). */
  path: string;
  /** Label in the navigation; pages without one are reached by links (detail pages). */
  nav?: string;
  roles?: Role[];
  component: AnyComponent;
}

export const PAGES: PageDef[] = [
  { path: '/console/', nav: 'Overview', component: Overview },
  { path: '/console/bans', nav: 'Ban list', component: Bans },
  { path: '/console/exceptions', nav: 'Exceptions', component: Exceptions },
  { path: '/console/inventory', nav: 'Inventory', component: Inventory },
  { path: '/console/groups', nav: 'Groups', component: Groups },
  { path: '/console/devices/:id', component: Device as AnyComponent },
  { path: '/console/reports', nav: 'Reports', component: Reports },
  { path: '/console/reports/compliance-summary', component: ComplianceSummary },
  { path: '/console/integrations', nav: 'Integrations', component: Integrations },
  { path: '/console/audit', nav: 'Audit log', roles: ['admin', 'auditor'], component: Audit },
  { path: '/console/users', nav: 'Users', roles: ['admin'], component: Users },
];

export function pagesFor(role: Role): PageDef[] {
  return PAGES.filter((p) => !p.roles || p.roles.includes(role));
}
