# Unit tests for policies/warden.rego, run by `warden policy test policies/`.
# Each test swaps in its own ban-list pieces with `with data.… as` and its own input, and checks the
# decision the entrypoint returns. Every rule kind is covered: tool id, vendor, vendor country,
# category, version range, user group, device group, exceptions (live and expired), monitor mode
# (fleet and rule), grace periods (before and after), strictest-wins, ties, default action, configure.
package warden_test

import data.warden

claude := {
	"id": "claude-code:npm:alice",
	"tool": "claude-code",
	"name": "Claude Code (CLI)",
	"vendor": "Anthropic PBC",
	"vendor_country": "US",
	"category": "agentic-cli",
	"channel": "npm",
	"user": "alice",
	"version": "1.0.3",
	"semver": "1.0.3",
	"running": true,
}

qwen := {
	"id": "qwen-code:npm:bob",
	"tool": "qwen-code",
	"name": "Qwen Code",
	"vendor": "Alibaba Group (Qwen team)",
	"vendor_country": "CN",
	"category": "agentic-cli",
	"channel": "npm",
	"user": "bob",
	"version": "0.9",
	"semver": "0.9.0",
	"running": false,
}

cursor := {
	"id": "cursor:app:-",
	"tool": "cursor",
	"name": "Cursor",
	"vendor": "Anysphere",
	"vendor_country": "US",
	"category": "ide",
	"channel": "app",
	"user": null,
	"version": "1.5.2",
	"semver": "1.5.2",
	"running": false,
}

claude_at(id, version, semver) := {
	"id": id,
	"tool": "claude-code",
	"name": "Claude Code (CLI)",
	"vendor": "Anthropic PBC",
	"vendor_country": "US",
	"category": "agentic-cli",
	"channel": "native",
	"user": "alice",
	"version": version,
	"semver": semver,
	"running": false,
}

cursor_at(id, version) := {
	"id": id,
	"tool": "cursor",
	"name": "Cursor",
	"vendor": "Anysphere",
	"vendor_country": "US",
	"category": "ide",
	"channel": "app",
	"user": null,
	"version": version,
	"semver": version,
	"running": false,
}

unknown_version := claude_at("claude-code:native:alice", null, null)

laptop := {"id": "dev-1", "hostname": "laptop-1", "os": "linux", "groups": ["engineering-laptops"]}

make_input(device, findings, exceptions) := {
	"now": "2026-06-01T12:00:00Z",
	"device": device,
	"users": {"alice": {"groups": ["engineering"]}, "bob": {"groups": ["contractors"]}},
	"findings": findings,
	"exceptions": exceptions,
}

base_input := make_input(laptop, [claude, qwen, cursor], [])

with_findings(fs) := make_input(laptop, fs, [])

with_exceptions(exs) := make_input(laptop, [claude, qwen, cursor], exs)

# Decision for one finding id from the entrypoint's list.
decision_of(ds, id) := d if {
	d := ds[_]
	d.finding == id
}

action_of(ds, id) := decision_of(ds, id).action

# ---- entrypoint shape --------------------------------------------------------------------

test_one_decision_per_finding_in_input_order if {
	ds := warden.decisions with input as base_input
		with data.rules as []
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "observe"
		with data.message as "m"
		with data.alternative as "a"
	count(ds) == 3
	ds[0].finding == claude.id
	ds[1].finding == qwen.id
	ds[2].finding == cursor.id
}

test_no_rule_gives_default_action if {
	ds := warden.decisions with input as base_input
		with data.rules as []
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "observe"
		with data.message as "company message"
		with data.alternative as "Qoder"
	d := decision_of(ds, claude.id)
	d.action == "observe"
	d.rule == ""
	d.message == "company message"
	d.alternative == "Qoder"
	d.grace_until == null
	d.monitor == false
	d.settings == null
}

test_empty_findings_gives_empty_list if {
	ds := warden.decisions with input as with_findings([])
		with data.rules as [{"id": "r", "action": "block", "match": {}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	ds == []
}

# ---- match criteria ----------------------------------------------------------------------

test_ban_by_tool_id if {
	ds := warden.decisions with input as base_input
		with data.rules as [{"id": "ban-claude", "action": "block", "match": {"tools": ["claude-code"]}, "message": "banned", "alternative": "Qoder"}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "default"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "block"
	d.rule == "ban-claude"
	d.message == "banned"
	d.alternative == "Qoder"
	action_of(ds, qwen.id) == "allow"
	action_of(ds, cursor.id) == "allow"
}

test_rule_without_texts_uses_list_texts if {
	ds := warden.decisions with input as base_input
		with data.rules as [{"id": "ban-claude", "action": "warn", "match": {"tools": ["claude-code"]}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "list message"
		with data.alternative as "list alternative"
	d := decision_of(ds, claude.id)
	d.message == "list message"
	d.alternative == "list alternative"
}

test_ban_by_vendor if {
	ds := warden.decisions with input as base_input
		with data.rules as [{"id": "no-anthropic", "action": "notify", "match": {"vendors": ["Anthropic PBC"]}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "notify"
	action_of(ds, qwen.id) == "allow"
}

test_ban_by_vendor_country if {
	ds := warden.decisions with input as base_input
		with data.rules as [{"id": "domestic-only", "action": "quarantine", "match": {"vendor_countries": ["US"]}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "quarantine"
	action_of(ds, cursor.id) == "quarantine"
	action_of(ds, qwen.id) == "allow"
}

test_ban_by_category if {
	ds := warden.decisions with input as base_input
		with data.rules as [{"id": "no-agents", "action": "block", "match": {"categories": ["agentic-cli"]}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "block"
	action_of(ds, qwen.id) == "block"
	action_of(ds, cursor.id) == "allow"
}

test_criteria_are_anded if {
	ds := warden.decisions with input as base_input
		with data.rules as [{"id": "us-agents", "action": "block", "match": {"categories": ["agentic-cli"], "vendor_countries": ["US"]}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "block"
	action_of(ds, qwen.id) == "allow"
	action_of(ds, cursor.id) == "allow"
}

# "ban Claude Code < 2.0"
test_version_below_bound_is_banned if {
	ds := warden.decisions with input as base_input
		with data.rules as [{"id": "old-claude", "action": "block", "match": {"tools": ["claude-code"], "version": {"lt": "2.0.0"}}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "block"
}

test_version_at_bound_is_not_banned if {
	newer := claude_at(claude.id, "2.0.0", "2.0.0")
	ds := warden.decisions with input as with_findings([newer])
		with data.rules as [{"id": "old-claude", "action": "block", "match": {"tools": ["claude-code"], "version": {"lt": "2.0.0"}}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "allow"
}

test_unknown_version_never_matches_a_range if {
	ds := warden.decisions with input as with_findings([unknown_version])
		with data.rules as [{"id": "old-claude", "action": "block", "match": {"tools": ["claude-code"], "version": {"lt": "2.0.0"}}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "observe"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, unknown_version.id) == "observe"
}

# "allow Cursor >= 1.4" over "block Cursor"
test_allow_at_or_above_version if {
	rules := [
		{"id": "cursor-new", "action": "allow", "match": {"tools": ["cursor"], "version": {"gte": "1.4.0"}}},
		{"id": "cursor-old", "action": "block", "match": {"tools": ["cursor"], "version": {"lt": "1.4.0"}}},
	]
	old := cursor_at("cursor:app:old", "1.3.9")
	ds := warden.decisions with input as with_findings([cursor, old])
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "warn"
		with data.message as "m"
		with data.alternative as ""
	decision_of(ds, cursor.id).rule == "cursor-new"
	action_of(ds, cursor.id) == "allow"
	action_of(ds, old.id) == "block"
}

test_version_bounds_are_anded if {
	rules := [{"id": "window", "action": "warn", "match": {"version": {"gt": "1.0.0", "lte": "1.5.2"}}}]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "warn" # 1.0.3
	action_of(ds, cursor.id) == "warn" # 1.5.2 (lte)
	action_of(ds, qwen.id) == "allow" # 0.9.0
}

test_ban_by_user_group if {
	ds := warden.decisions with input as base_input
		with data.rules as [{"id": "contractors", "action": "block", "match": {"user_groups": ["contractors"]}}]
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, qwen.id) == "block" # bob is a contractor
	action_of(ds, claude.id) == "allow" # alice is not
	action_of(ds, cursor.id) == "allow" # machine-wide install has no user groups

	# The decision says which group made the rule match, and so does its reason.
	decision_of(ds, qwen.id).groups == ["user:contractors"]
	contains(decision_of(ds, qwen.id).reason, "(user:contractors)")
	decision_of(ds, claude.id).groups == []
}

test_ban_by_device_group if {
	rules := [{"id": "kiosks", "action": "block", "match": {"device_groups": ["kiosks"]}}]
	on_kiosk := make_input({"id": "k1", "hostname": "k1", "os": "linux", "groups": ["kiosks"]}, [claude, qwen, cursor], [])
	ds1 := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	ds2 := warden.decisions with input as on_kiosk
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds1, claude.id) == "allow"
	action_of(ds2, claude.id) == "block"
	decision_of(ds2, claude.id).groups == ["device:kiosks"]
}

# A rule naming both kinds reports every group that matched, sorted; one that names none reports [].
test_decision_names_the_matching_groups if {
	rules := [
		{"id": "contractor-kiosks", "action": "quarantine", "match": {"user_groups": ["staff", "contractors"], "device_groups": ["kiosks", "labs"]}},
		{"id": "no-ides", "action": "notify", "match": {"categories": ["ide"]}},
	]
	device := {"id": "k1", "hostname": "k1", "os": "linux", "groups": ["labs", "kiosks"]}
	ds := warden.decisions with input as make_input(device, [claude, qwen, cursor], [])
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	decision_of(ds, qwen.id).rule == "contractor-kiosks"
	decision_of(ds, qwen.id).groups == ["device:kiosks", "device:labs", "user:contractors"]
	decision_of(ds, claude.id).rule == "" # alice is in neither user group
	decision_of(ds, claude.id).groups == []
	decision_of(ds, cursor.id).rule == "no-ides"
	decision_of(ds, cursor.id).groups == []
}

# "ban IDEs unless Cursor >= 1.4": unless excludes findings from a rule
test_unless_excludes_findings_from_a_rule if {
	rules := [{"id": "no-ides", "action": "block", "match": {"categories": ["ide"], "unless": {"tools": ["cursor"], "version": {"gte": "1.4.0"}}}}]
	old := cursor_at("cursor:app:old", "1.3.9")
	ds := warden.decisions with input as with_findings([cursor, old, claude])
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, cursor.id) == "allow" # 1.5.2: excluded
	action_of(ds, old.id) == "block" # 1.3.9: not excluded
	action_of(ds, claude.id) == "allow" # not an IDE
}

# "ban non-domestic vendors": default block, allow the domestic country
test_default_block_with_domestic_allow if {
	rules := [{"id": "domestic", "action": "allow", "match": {"vendor_countries": ["CN"]}}]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "block"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, qwen.id) == "allow"
	action_of(ds, claude.id) == "block"
	decision_of(ds, claude.id).rule == ""
}

# ---- strictest wins ------------------------------------------------------------------------

test_strictest_matching_rule_wins if {
	rules := [
		{"id": "allow-all", "action": "allow", "match": {}},
		{"id": "quarantine-claude", "action": "quarantine", "match": {"tools": ["claude-code"]}},
		{"id": "warn-us", "action": "warn", "match": {"vendor_countries": ["US"]}},
	]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	decision_of(ds, claude.id).rule == "quarantine-claude"
	action_of(ds, claude.id) == "quarantine"
	decision_of(ds, cursor.id).rule == "warn-us"
	decision_of(ds, qwen.id).rule == "allow-all"
}

test_tie_goes_to_first_listed_rule if {
	rules := [
		{"id": "first", "action": "block", "match": {"tools": ["claude-code"]}, "message": "first"},
		{"id": "second", "action": "block", "match": {"vendors": ["Anthropic PBC"]}, "message": "second"},
	]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.rule == "first"
	d.message == "first"
}

test_block_beats_configure if {
	rules := [
		{"id": "configure-claude", "action": "configure", "match": {"tools": ["claude-code"]}, "settings": {"permissions": {"disableBypassPermissionsMode": "disable"}}},
		{"id": "block-us", "action": "block", "match": {"vendor_countries": ["US"]}},
	]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "block"
	decision_of(ds, claude.id).settings == null
}

test_configure_carries_settings if {
	settings := {"permissions": {"disableBypassPermissionsMode": "disable"}, "env": {"DISABLE_TELEMETRY": "1"}}
	rules := [{"id": "configure-claude", "action": "configure", "match": {"tools": ["claude-code"]}, "settings": settings}]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "configure"
	d.settings == settings
}

# ---- exceptions ----------------------------------------------------------------------------

ban_claude := [{"id": "ban-claude", "action": "quarantine", "match": {"tools": ["claude-code"]}}]

test_user_exception_with_future_expiry_allows if {
	ex := {"id": "ex-alice", "tool": "claude-code", "user": "alice", "expires": "2026-07-01T00:00:00Z"}
	ds := warden.decisions with input as with_exceptions([ex])
		with data.rules as ban_claude
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "allow"
	d.rule == "ex-alice"
}

test_user_exception_with_past_expiry_no_longer_applies if {
	ex := {"id": "ex-alice", "tool": "claude-code", "user": "alice", "expires": "2026-05-31T23:59:59Z"}
	ds := warden.decisions with input as with_exceptions([ex])
		with data.rules as ban_claude
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "quarantine"
}

test_exception_for_another_user_does_not_apply if {
	ex := {"id": "ex-bob", "tool": "claude-code", "user": "bob", "expires": "2027-01-01T00:00:00Z"}
	ds := warden.decisions with input as with_exceptions([ex])
		with data.rules as ban_claude
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "quarantine"
}

test_user_and_device_exception_covers_that_user_on_that_device_only if {
	ex := {"id": "ex-alice-dev-1", "tool": "claude-code", "user": "alice", "device": "dev-1", "expires": "2027-01-01T00:00:00Z"}
	bobs := {"id": "claude-code:npm:bob", "tool": "claude-code", "name": "Claude Code (CLI)", "vendor": "Anthropic", "vendor_country": "US", "category": "agentic-cli", "channel": "npm", "user": "bob", "version": "2.0.14", "semver": "2.0.14", "running": false}
	ds := warden.decisions with input as make_input(laptop, [claude, bobs], [])
		with data.rules as ban_claude
		with data.exceptions as [ex]
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	decision_of(ds, claude.id).rule == "ex-alice-dev-1"
	action_of(ds, "claude-code:npm:bob") == "quarantine"
	other_laptop := {"id": "dev-2", "hostname": "laptop-2", "os": "linux", "groups": ["engineering-laptops"]}
	other := warden.decisions with input as make_input(other_laptop, [claude], [])
		with data.rules as ban_claude
		with data.exceptions as [ex]
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(other, claude.id) == "quarantine"
}

test_user_and_device_exception_covers_a_machine_wide_install_on_that_device if {
	ex := {"id": "ex-alice-dev-1", "tool": "cursor", "user": "alice", "device": "dev-1", "expires": "2027-01-01T00:00:00Z"}
	ban_cursor := [{"id": "no-cursor", "action": "block", "match": {"tools": ["cursor"]}}]
	ds := warden.decisions with input as make_input(laptop, [cursor], [])
		with data.rules as ban_cursor
		with data.exceptions as [ex]
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	decision_of(ds, cursor.id).rule == "ex-alice-dev-1"
	user_only := warden.decisions with input as make_input(laptop, [cursor], [])
		with data.rules as ban_cursor
		with data.exceptions as [{"id": "ex-alice", "tool": "cursor", "user": "alice", "expires": "2027-01-01T00:00:00Z"}]
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(user_only, cursor.id) == "block"
}

test_exception_for_another_tool_does_not_apply if {
	ex := {"id": "ex-alice-cursor", "tool": "cursor", "user": "alice", "expires": "2027-01-01T00:00:00Z"}
	ds := warden.decisions with input as with_exceptions([ex])
		with data.rules as ban_claude
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, claude.id) == "quarantine"
}

test_device_exception_from_the_bundle_allows if {
	ex := {"id": "ex-dev-1", "tool": "claude-code", "device": "dev-1", "expires": "2027-01-01T00:00:00Z"}
	ds := warden.decisions with input as base_input
		with data.rules as ban_claude
		with data.exceptions as [ex]
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "allow"
	d.rule == "ex-dev-1"
}

test_two_live_exceptions_name_the_smaller_id if {
	ex1 := {"id": "ex-b", "tool": "claude-code", "device": "dev-1", "expires": "2027-01-01T00:00:00Z"}
	ex2 := {"id": "ex-a", "tool": "claude-code", "user": "alice", "expires": "2026-12-01T00:00:00Z"}
	ds := warden.decisions with input as with_exceptions([ex2])
		with data.rules as ban_claude
		with data.exceptions as [ex1]
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.rule == "ex-a"
	d.action == "allow"
}

# ---- monitor mode --------------------------------------------------------------------------

test_fleet_monitor_mode_flags_every_decision if {
	ds := warden.decisions with input as base_input
		with data.rules as ban_claude
		with data.exceptions as []
		with data.mode as "monitor"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "quarantine"
	d.monitor == true
	decision_of(ds, qwen.id).monitor == true
}

test_rule_monitor_flag_only_flags_that_rule if {
	rules := [
		{"id": "try-ban-qwen", "action": "block", "match": {"tools": ["qwen-code"]}, "monitor": true},
		{"id": "ban-claude", "action": "block", "match": {"tools": ["claude-code"]}},
	]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	decision_of(ds, qwen.id).monitor == true
	decision_of(ds, claude.id).monitor == false
}

# ---- grace periods -------------------------------------------------------------------------

test_block_in_grace_period_warns_until_date if {
	rules := [{"id": "ban-claude", "action": "block", "match": {"tools": ["claude-code"]}, "grace_until": "2026-06-15T00:00:00Z"}]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "warn"
	d.grace_until == "2026-06-15T00:00:00Z"
}

test_block_after_grace_period_blocks if {
	rules := [{"id": "ban-claude", "action": "quarantine", "match": {"tools": ["claude-code"]}, "grace_until": "2026-06-01T11:59:59Z"}]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "quarantine"
	d.grace_until == null
}

test_grace_does_not_soften_milder_actions if {
	rules := [{"id": "notify-claude", "action": "notify", "match": {"tools": ["claude-code"]}, "grace_until": "2027-01-01T00:00:00Z"}]
	ds := warden.decisions with input as base_input
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "notify"
	d.grace_until == null
}

# ---- bypass of managed settings (input findings[].bypasses, match.bypass) -----------------------

managed_then_block_on_bypass := [
	{"id": "claude-managed", "action": "configure", "match": {"tools": ["claude-code"]}, "settings": {"permissions": {"disableBypassPermissionsMode": "disable"}}},
	{"id": "claude-bypassed", "action": "block", "match": {"tools": ["claude-code"], "bypass": ["override_env", "unmanaged_copy"]}},
	{"id": "claude-stale", "action": "warn", "match": {"tools": ["claude-code"], "bypass": ["stale_location"]}},
]

claude_bypassed(bypasses) := with_findings([object.union(claude, {"bypasses": bypasses})])

test_no_bypass_keeps_configure if {
	ds := warden.decisions with input as claude_bypassed([])
		with data.rules as managed_then_block_on_bypass
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "configure"
	d.rule == "claude-managed"
}

test_override_env_escalates_to_block_and_names_the_variable if {
	ds := warden.decisions with input as claude_bypassed([{"kind": "override_env", "name": "ANTHROPIC_BASE_URL"}])
		with data.rules as managed_then_block_on_bypass
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "block"
	d.rule == "claude-bypassed"
	d.reason == "rule claude-bypassed (block) matches claude-code; managed settings bypassed: override_env ANTHROPIC_BASE_URL"
}

test_unmanaged_copy_escalates_to_block if {
	ds := warden.decisions with input as claude_bypassed([{"kind": "unmanaged_copy", "name": "~/.vscode-server/extensions"}])
		with data.rules as managed_then_block_on_bypass
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "block"
}

test_stale_location_only_warns if {
	ds := warden.decisions with input as claude_bypassed([{"kind": "stale_location", "name": "/ProgramData/ClaudeCode/managed-settings.json"}])
		with data.rules as managed_then_block_on_bypass
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	d := decision_of(ds, claude.id)
	d.action == "warn"
	d.rule == "claude-stale"
}

test_bypass_rule_ignores_other_tools if {
	inp := with_findings([object.union(qwen, {"bypasses": [{"kind": "override_env", "name": "X"}]})])
	ds := warden.decisions with input as inp
		with data.rules as managed_then_block_on_bypass
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, qwen.id) == "allow"
}

# ---- MCP servers in the inventory (input findings[].mcp_servers, match.mcp_servers) ------------

test_denied_mcp_server_matches_only_tools_that_configure_it if {
	fs := [
		object.union(cursor, {"mcp_servers": [{"name": "filesystem", "transport": "stdio", "scope": "user"}, {"name": "github", "transport": "http", "scope": "user"}]}),
		object.union(claude, {"mcp_servers": [{"name": "github", "transport": "http", "scope": "project"}]}),
		qwen,
	]
	rules := [{"id": "no-filesystem-mcp", "action": "warn", "match": {"mcp_servers": ["filesystem", "shell"]}}]
	ds := warden.decisions with input as with_findings(fs)
		with data.rules as rules
		with data.exceptions as []
		with data.mode as "enforce"
		with data.default_action as "allow"
		with data.message as "m"
		with data.alternative as ""
	action_of(ds, cursor.id) == "warn"
	action_of(ds, claude.id) == "allow"
	action_of(ds, qwen.id) == "allow"
}
