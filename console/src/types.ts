// Shapes of the API answers the console reads (server/src/routes/*.ts).
import type { Role } from './api.ts';

export type Action = 'allow' | 'observe' | 'configure' | 'notify' | 'warn' | 'block' | 'quarantine';
export const ACTIONS: Action[] = ['allow', 'observe', 'configure', 'notify', 'warn', 'block', 'quarantine'];
export type Compliance = 'compliant' | 'noncompliant' | 'unknown';

export interface FleetSummary {
  devices: number;
  active: number;
  revoked: number;
  seen_last_24h: number;
  compliance: Record<Compliance, number>;
  agent_versions: { version: string; devices: number }[];
  bundle_revisions: { revision: string | null; devices: number; current: boolean }[];
  platforms: { platform: string; devices: number }[];
  ban_list: { revision: string; rules: number; mode: string };
  bundle: { revision: string; built_at: string | null; push_connected: number } | null;
}

export interface FleetDevice {
  id: string;
  hostname: string;
  platform: string;
  agent_version: string;
  state: 'active' | 'revoked';
  last_seen_at: string | null;
  bundle_revision: string | null;
  bundle_current: boolean;
  bundle_applied_at: string | null;
  compliance: Compliance;
  strictest_action: Action | null;
  banned_tools: string[];
}

export interface ComplianceSample {
  at: string;
  devices: number;
  compliant: number;
  noncompliant: number;
  unknown: number;
  bundle_current: number;
  bundle_revision: string | null;
}

export interface ReportAnswer {
  kind: string;
  generated_at: string;
  columns: string[];
  rows: Record<string, string | number | boolean | null>[];
}

export interface VersionRange {
  lt?: string;
  lte?: string;
  gt?: string;
  gte?: string;
}
export interface RuleMatch {
  tools?: string[];
  vendors?: string[];
  vendor_countries?: string[];
  categories?: string[];
  version?: VersionRange;
  user_groups?: string[];
  device_groups?: string[];
  unless?: Omit<RuleMatch, 'unless'>;
}
export interface BanRule {
  id: string;
  action: Action;
  match: RuleMatch;
  description?: string;
  message?: string;
  alternative?: string;
  grace_until?: string;
  monitor?: boolean;
  settings?: Record<string, unknown>;
}
export interface PolicyException {
  id: string;
  tool: string;
  user?: string;
  device?: string;
  expires: string;
  reason?: string;
}
export interface BanList {
  schema: 'warden.banlist/v1';
  name: string;
  revision?: string;
  mode: 'enforce' | 'monitor';
  default_action: Action;
  message: string;
  alternative: string;
  rules: BanRule[];
  exceptions: PolicyException[];
}
export interface BanEntry {
  id: string;
  position: number;
  version: number;
  entry: Record<string, unknown>;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
  why: string;
}
export interface BansAnswer {
  revision: string;
  ban_revision: number;
  list: BanList;
  entries: BanEntry[];
}
export interface BanVersion {
  revision: number;
  entry_id: string;
  version: number;
  op: 'create' | 'update' | 'delete';
  entry: Record<string, unknown> | null;
  by: string;
  at: string;
  why: string;
}

export interface ImpactChange {
  device_id: string;
  hostname: string;
  finding: string;
  tool: string;
  user: string | null;
  from: Action;
  to: Action;
  /** Groups through which the draft's rule matches ("user:contractors", "device:macs"). */
  groups?: string[];
}
export interface ImpactReport {
  devices_evaluated: number;
  devices_changed: number;
  findings_evaluated: number;
  findings_changed: number;
  before: Record<Action, number>;
  after: Record<Action, number>;
  moves: Partial<Record<Action, { devices: number; users: number; findings: number }>>;
  changes: ImpactChange[];
  by_group?: Record<string, { devices: number; findings: number }>;
  truncated: boolean;
}
export interface DiffAnswer {
  revision: string;
  ban_revision: number;
  changes: { op: 'create' | 'update' | 'delete'; id: string; entry: Record<string, unknown> | null }[];
  impact: ImpactReport | null;
  impact_error: string | null;
}

export interface Rollout {
  ban_list_revision: string;
  building: boolean;
  bundle: { revision: string; built_at: string | null; push_connected: number } | null;
  revision: string;
  active: number;
  applied: number;
  pending: number;
  pending_devices: { id: string; hostname: string; bundle_revision: string | null; last_seen_at: string | null }[];
  applied_devices: { id: string; hostname: string; bundle_revision: string | null; bundle_applied_at: string | null }[];
}

export interface CatalogTool {
  id: string;
  name: string;
  vendor: string;
  vendor_country: string | null;
  category: string;
  kind: string;
}

export interface ExceptionItem {
  id: string;
  device_id: string;
  hostname?: string;
  tool: string;
  reason: string;
  /** Who asked as the server proved it: device:<id> or user:<name>. */
  requested_by: string;
  /** The local OS user the device says asked: the device's claim, not an identity. */
  device_reported_user: string | null;
  /** How many days the employee asked for (from their tray), null when not given. */
  requested_days?: number | null;
  requested_at: string;
  state: 'pending' | 'approved' | 'denied' | 'expired';
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
  expires_at: string | null;
}

export interface InventoryItem {
  device_id: string;
  hostname: string;
  key: string;
  tool: string;
  name: string;
  vendor: string;
  vendor_country: string | null;
  category: string | null;
  version: string;
  channel: string;
  user: string | null;
  updated_at: string;
}

export interface DeviceDetail {
  id: string;
  hostname: string;
  platform: string;
  agent_version: string;
  state: string;
  enrolled_at: string;
  last_seen_at: string | null;
  bundle_revision: string | null;
  status: {
    errors?: string[];
    queue_length?: number;
    last_scan_at?: string | null;
    decisions?: { finding: string; tool: string; action: Action; rule: string; monitor: boolean; grace_until: string | null }[];
    vault?: { id: string; time: string; tool: string; tool_name: string; finding: string; rule: string; action: Action; bundle_revision: string; paths: string[]; entries: number; bytes: number }[];
  } | null;
  inventory_at: string | null;
}

export interface StoredEvent {
  seq: number;
  device_id: string;
  received_at: string;
  event: { id: string; time: string; kind: string; tool: string; action: string; rule: string; result: string; detail: string; bundle_revision: string };
}

export interface AuditItem {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  ip: string;
}

export interface UserItem {
  id: string;
  username: string;
  role: Role;
  created_at: string;
  disabled: boolean;
}

export interface GroupItem {
  id: string;
  kind: 'user' | 'device';
  name: string;
  source: 'api' | 'scim';
  description: string;
  rule: { platforms?: string[]; hostnames?: string[]; serials?: string[]; agent_version?: VersionRange } | null;
  version: number;
  updated_by: string;
  updated_at: string;
  members?: number;
}
export interface GroupDetail {
  group: GroupItem;
  devices?: { id: string; hostname: string; platform: string; via: string }[];
  users?: { id: string; user_name: string; login: string | null; active: boolean }[];
  logins?: string[];
}
export interface DirectoryUser {
  id: string;
  user_name: string;
  login: string | null;
  active: boolean;
  groups: string[];
}
