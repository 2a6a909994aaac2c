// Schema migrations, applied in order on start. One portable text per step; `{{serial}}` is the
// dialect's auto-increment key. Dialect-only statements (append-only triggers) go in `sqlite` /
// `postgres`. Never edit a released step: add a new one.
import type { Dialect } from './sql-driver.ts';

export interface Migration {
  version: number;
  name: string;
  common: string;
  sqlite?: string;
  postgres?: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial',
    common: `
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, role TEXT NOT NULL, password_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), name TEXT NOT NULL, secret_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT);
CREATE TABLE enroll_tokens (
  id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL, used_at BIGINT, used_by_device TEXT, note TEXT NOT NULL);
CREATE TABLE devices (
  id TEXT PRIMARY KEY, hardware_id TEXT NOT NULL UNIQUE, hostname TEXT NOT NULL, platform TEXT NOT NULL,
  agent_version TEXT NOT NULL, credential_id TEXT NOT NULL UNIQUE, credential_hash TEXT NOT NULL,
  state TEXT NOT NULL, enrolled_at BIGINT NOT NULL, last_seen_at BIGINT, revoked_at BIGINT,
  bundle_revision TEXT, status_json TEXT, inventory_seq BIGINT NOT NULL DEFAULT 0, inventory_at BIGINT);
CREATE TABLE inventory_items (
  device_id TEXT NOT NULL REFERENCES devices(id), item_key TEXT NOT NULL, tool_id TEXT NOT NULL,
  name TEXT NOT NULL, vendor TEXT NOT NULL, version TEXT NOT NULL, kind TEXT NOT NULL,
  detail_json TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (device_id, item_key));
CREATE INDEX inventory_items_tool ON inventory_items (tool_id);
CREATE INDEX inventory_items_vendor ON inventory_items (vendor);
CREATE TABLE event_batches (
  device_id TEXT NOT NULL, batch_id TEXT NOT NULL, received_at BIGINT NOT NULL, stored INTEGER NOT NULL,
  PRIMARY KEY (device_id, batch_id));
CREATE TABLE events (
  seq {{serial}}, device_id TEXT NOT NULL REFERENCES devices(id), event_id TEXT NOT NULL, at BIGINT NOT NULL,
  kind TEXT NOT NULL, tool_id TEXT, action TEXT, detail_json TEXT NOT NULL, received_at BIGINT NOT NULL,
  UNIQUE (device_id, event_id));
CREATE INDEX events_kind ON events (kind);
CREATE TABLE ban_entries (
  id TEXT PRIMARY KEY, entry_json TEXT NOT NULL, position INTEGER NOT NULL, version INTEGER NOT NULL, created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL, updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL, why TEXT NOT NULL);
CREATE TABLE ban_versions (
  seq {{serial}}, revision INTEGER NOT NULL, entry_id TEXT NOT NULL, version INTEGER NOT NULL, op TEXT NOT NULL,
  entry_json TEXT, by_actor TEXT NOT NULL, at BIGINT NOT NULL, why TEXT NOT NULL);
CREATE INDEX ban_versions_entry ON ban_versions (entry_id);
CREATE TABLE exceptions (
  id TEXT PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices(id), tool_id TEXT NOT NULL, reason TEXT NOT NULL,
  requested_by TEXT NOT NULL, requested_at BIGINT NOT NULL, state TEXT NOT NULL, decided_by TEXT,
  decided_at BIGINT, decision_note TEXT, expires_at BIGINT);
CREATE INDEX exceptions_state ON exceptions (state);
CREATE TABLE audit_log (
  seq {{serial}}, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
  detail_json TEXT NOT NULL, ip TEXT NOT NULL);
INSERT INTO settings (key, value) VALUES ('ban_revision', '0');
`,
    // The audit log is append-only in the database itself, not just by API convention.
    sqlite: `
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
    postgres: `
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
`,
  },
  {
    version: 2,
    name: 'groups',
    // User and device groups (server/src/groups/): SCIM-provisioned directory users, groups of either
    // kind with their members ('user:<directory id>', 'login:<os login>', 'device:<device id>'), and
    // every change as a versioned row like the ban list. Devices keep the serial their inventory reports
    // (device-group rules can list serials).
    common: `
CREATE TABLE directory_users (
  id TEXT PRIMARY KEY, user_name TEXT NOT NULL, user_name_key TEXT NOT NULL UNIQUE, external_id TEXT,
  active INTEGER NOT NULL, login_key TEXT, resource_json TEXT NOT NULL, version INTEGER NOT NULL,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX directory_users_login ON directory_users (login_key);
CREATE INDEX directory_users_external ON directory_users (external_id);
CREATE TABLE fleet_groups (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, name_key TEXT NOT NULL, source TEXT NOT NULL,
  external_id TEXT, description TEXT NOT NULL, rule_json TEXT, version INTEGER NOT NULL,
  created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL,
  UNIQUE (kind, name_key));
CREATE TABLE group_members (
  group_id TEXT NOT NULL REFERENCES fleet_groups(id), member TEXT NOT NULL, added_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, member));
CREATE INDEX group_members_member ON group_members (member);
CREATE TABLE group_versions (
  seq {{serial}}, revision INTEGER NOT NULL, group_id TEXT NOT NULL, version INTEGER NOT NULL, op TEXT NOT NULL,
  detail_json TEXT NOT NULL, by_actor TEXT NOT NULL, at BIGINT NOT NULL, why TEXT NOT NULL);
CREATE INDEX group_versions_group ON group_versions (group_id);
ALTER TABLE devices ADD COLUMN serial TEXT;
INSERT INTO settings (key, value) VALUES ('group_revision', '0');
`,
  },
  {
    version: 3,
    name: 'console',
    // The console's aggregates stay in SQL at fleet scale: each device's verdict from the decisions its
    // agent reported (compliance, strictest action, banned tools), when it applied its bundle, the
    // inventory's vendor country / category / user as columns, and compliance samples over time.
    common: `
ALTER TABLE devices ADD COLUMN bundle_applied_at BIGINT;
ALTER TABLE devices ADD COLUMN compliance TEXT;
ALTER TABLE devices ADD COLUMN strictest_action TEXT;
ALTER TABLE devices ADD COLUMN banned_tools TEXT NOT NULL DEFAULT '';
ALTER TABLE inventory_items ADD COLUMN vendor_country TEXT NOT NULL DEFAULT '';
ALTER TABLE inventory_items ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE inventory_items ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
CREATE INDEX inventory_items_user ON inventory_items (user_name);
CREATE INDEX devices_compliance ON devices (compliance);
CREATE TABLE compliance_history (
  seq {{serial}}, at BIGINT NOT NULL, devices INTEGER NOT NULL, compliant INTEGER NOT NULL, noncompliant INTEGER NOT NULL,
  unknown INTEGER NOT NULL, bundle_current INTEGER NOT NULL, bundle_revision TEXT);
CREATE INDEX compliance_history_at ON compliance_history (at);
`,
    sqlite: `
UPDATE inventory_items SET vendor_country = COALESCE(json_extract(detail_json, '$.vendor_country'), ''),
  category = COALESCE(json_extract(detail_json, '$.category'), ''), user_name = COALESCE(json_extract(detail_json, '$.user'), '');
`,
    postgres: `
UPDATE inventory_items SET vendor_country = COALESCE(detail_json::json->>'vendor_country', ''),
  category = COALESCE(detail_json::json->>'category', ''), user_name = COALESCE(detail_json::json->>'user', '');
`,
  },
  {
    version: 4,
    name: 'exception device-reported user',
    // requested_by is the identity the server proved (device:<id> or user:<name>); what a device says
    // about which local OS user asked is kept apart, labelled as the device's claim.
    common: 'ALTER TABLE exceptions ADD COLUMN device_reported_user TEXT;',
  },
  {
    version: 5,
    name: 'exception requested duration',
    // How long the employee asked for (days), shown to the approver; null for older requests.
    common: 'ALTER TABLE exceptions ADD COLUMN requested_days INTEGER;',
  },
  {
    version: 6,
    name: 'integrations',
    // Everything that happens, once, in order (integrations/event-log.ts): agent enforcement events,
    // inventory changes, agent health changes and every audited action, appended in the same
    // transaction as what they describe. Webhooks deliver from it with a durable per-webhook cursor
    // (at least once, in order); deliveries that kept failing land in the dead letters.
    common: `
CREATE TABLE integration_events (
  seq {{serial}}, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, at BIGINT NOT NULL, device_id TEXT, data_json TEXT NOT NULL);
CREATE INDEX integration_events_type ON integration_events (type, seq);
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, url TEXT NOT NULL, event_types TEXT NOT NULL, format TEXT NOT NULL,
  enabled INTEGER NOT NULL, secret TEXT NOT NULL, previous_secret TEXT, previous_until BIGINT, version INTEGER NOT NULL,
  created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_by TEXT NOT NULL, updated_at BIGINT NOT NULL,
  cursor_seq BIGINT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL DEFAULT 0,
  last_status INTEGER, last_error TEXT, last_attempt_at BIGINT, last_success_at BIGINT, delivered BIGINT NOT NULL DEFAULT 0,
  lease_owner TEXT, lease_until BIGINT NOT NULL DEFAULT 0);
CREATE TABLE webhook_dead_letters (
  seq {{serial}}, webhook_id TEXT NOT NULL, event_seq BIGINT NOT NULL, event_id TEXT NOT NULL, attempts INTEGER NOT NULL,
  last_status INTEGER, last_error TEXT NOT NULL, dead_at BIGINT NOT NULL, redelivered_at BIGINT, UNIQUE (webhook_id, event_seq));
`,
  },
  {
    version: 7,
    name: 'status digest',
    // SHA-256 of the status the server stored for a device (store/status-touch.ts): a check-in that
    // repeats it only moves last_seen_at, in one statement shared with the check-ins arriving with it.
    common: 'ALTER TABLE devices ADD COLUMN status_hash TEXT;',
  },
];

export function migrationSql(m: Migration, dialect: Dialect): string {
  const serial = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';
  return m.common.replaceAll('{{serial}}', serial) + (m[dialect] ?? '');
}
