# warden fleet policy: one decision per inventory finding.
#
# Entrypoint: warden/decisions (data.warden.decisions), a list in input.findings order of
#   {finding, tool, action, reason, message, alternative, rule, groups, grace_until, monitor, settings}
#   groups: the user and device groups through which the winning rule matched ("user:contractors",
#   "device:build-hosts"), [] when it names none (and for exceptions and the default).
#
# input = wire/src/policy-input.ts (inventory findings + device facts + now + exceptions)
# data  = wire/src/banlist.ts (rules, exceptions, mode, default action, message, alternative)
#
# How a decision is made, in order:
#  1. A live exception (user or device, for this tool, expires after input.now) allows the finding.
#  2. Otherwise every rule whose match holds is considered and the STRICTEST action wins:
#     allow < observe < configure < notify < warn < block < quarantine. Ties go to the rule listed first.
#  3. No rule matches: data.default_action.
#  A block or quarantine rule with grace_until in the future decides "warn" until that date.
#  Monitor mode (data.mode == "monitor", or the winning rule's monitor flag) sets monitor: the agent
#  reports the decision and changes nothing.
#
# Times are UTC strings in one fixed layout (YYYY-MM-DDTHH:MM:SSZ), so "<" orders them.
# Written with plain v1 constructs only (no else, no sprintf/object.get) so warden's own compiler
# handles it.
package warden

rank := {
	"allow": 0,
	"observe": 1,
	"configure": 2,
	"notify": 3,
	"warn": 4,
	"block": 5,
	"quarantine": 6,
}

decisions := [d | f := input.findings[_]; d := decision(f)]

# ---- exceptions -----------------------------------------------------------------------------

live_exception(f, ex) if {
	ex.tool == f.tool
	exception_covers(ex, f)
	input.now < ex.expires
}

all_exceptions contains ex if ex := input.exceptions[_]

all_exceptions contains ex if ex := data.exceptions[_]

# An exception names a user, a device, or both; all it names must match. One an employee asked for
# is granted for their account on their device: it does not cover another user of that machine.
exception_covers(ex, f) if {
	ex.user == f.user
	not ex.device
}

exception_covers(ex, _) if {
	ex.device == input.device.id
	not ex.user
}

exception_covers(ex, f) if {
	ex.user == f.user
	ex.device == input.device.id
}

# ... and the installs no user owns on that device (machine-wide: shared, so allowed for all of them).
exception_covers(ex, f) if {
	f.user == null
	ex.user != null
	ex.device == input.device.id
}

excepted(f) if {
	ex := all_exceptions[_]
	live_exception(f, ex)
}

# Several live exceptions may cover one finding: name the one with the smallest id.
first_exception_id(f) := min({ex.id | ex := all_exceptions[_]; live_exception(f, ex)})

decision(f) := {
	"finding": f.id,
	"tool": f.tool,
	"action": "allow",
	"reason": concat("", ["exception ", first_exception_id(f), " allows ", f.tool, " until ", exception_expiry(f)]),
	"message": data.message,
	"alternative": "",
	"rule": first_exception_id(f),
	"groups": [],
	"grace_until": null,
	"monitor": fleet_monitor,
	"settings": null,
} if excepted(f)

# Latest expiry among live exceptions with that id (an id given twice must not make a conflict).
exception_expiry(f) := max({ex.expires |
	ex := all_exceptions[_]
	ex.id == first_exception_id(f)
	live_exception(f, ex)
})

# ---- rules ----------------------------------------------------------------------------------

decision(f) := rule_decision(f, winner(idx)) if {
	not excepted(f)
	idx := matching(f)
	count(idx) > 0
}

decision(f) := {
	"finding": f.id,
	"tool": f.tool,
	"action": data.default_action,
	"reason": concat("", ["no rule matches ", f.tool, "; default action"]),
	"message": data.message,
	"alternative": data.alternative,
	"rule": "",
	"groups": [],
	"grace_until": null,
	"monitor": fleet_monitor,
	"settings": null,
} if {
	not excepted(f)
	count(matching(f)) == 0
}

# Indexes of the rules whose match holds for the finding (each rule is tested once per finding).
matching(f) := {i | rule := data.rules[i]; matches(rule.match, f)}

# The winning rule: strictest action, then first listed.
winner(idx) := min({i | idx[i]; rank[data.rules[i].action] == top}) if {
	top := max({rank[data.rules[i].action] | idx[i]})
}

rule_decision(f, i) := {
	"finding": f.id,
	"tool": f.tool,
	"action": effective_action(rule),
	"reason": concat("", ["rule ", rule.id, " (", rule.action, ") matches ", f.tool, group_note(rule.match, f), bypass_note(rule.match, f), grace_note(rule)]),
	"message": rule_message(rule),
	"alternative": rule_alternative(rule),
	"rule": rule.id,
	"groups": matched_groups(rule.match, f),
	"grace_until": grace(rule),
	"monitor": monitored_flag(rule),
	"settings": rule_settings(rule),
} if rule := data.rules[i]

# ---- matching: every criterion given must hold; an absent one holds; unless excludes ------------

matches(m, f) if {
	criteria(m, f)
	not excluded(m, f)
}

# "unless": the rule does not apply to findings its unless-criteria match ("ban IDEs unless Cursor >= 1.4").
excluded(m, f) if criteria(m.unless, f)

criteria(m, f) if {
	tool_ok(m, f)
	vendor_ok(m, f)
	country_ok(m, f)
	category_ok(m, f)
	version_ok(m, f)
	user_group_ok(m, f)
	device_group_ok(m)
	bypass_ok(m, f)
	mcp_ok(m, f)
}

tool_ok(m, _) if not m.tools

tool_ok(m, f) if m.tools[_] == f.tool

vendor_ok(m, _) if not m.vendors

vendor_ok(m, f) if m.vendors[_] == f.vendor

country_ok(m, _) if not m.vendor_countries

country_ok(m, f) if m.vendor_countries[_] == f.vendor_country

category_ok(m, _) if not m.categories

category_ok(m, f) if m.categories[_] == f.category

user_group_ok(m, _) if not m.user_groups

user_group_ok(m, f) if m.user_groups[_] == input.users[f.user].groups[_]

device_group_ok(m) if not m.device_groups

device_group_ok(m) if m.device_groups[_] == input.device.groups[_]

# An MCP server (by name) configured for the tool: "deny" where the tool has no allow list of its own.
mcp_ok(m, _) if not m.mcp_servers

mcp_ok(m, f) if m.mcp_servers[_] == f.mcp_servers[_].name

# A bypass of the tool's managed settings the agent observed (stale location, override variable
# name, unmanaged copy): a rule naming bypass kinds applies only to findings showing one of them.
bypass_ok(m, _) if not m.bypass

bypass_ok(m, f) if m.bypass[_] == f.bypasses[_].kind

# ---- which groups made a rule match (for the decision report) -------------------------------

matched_groups(m, f) := sort(array.concat(
	[g | g := matched_user_groups(m, f)[_]],
	[g | g := matched_device_groups(m)[_]],
))

matched_user_groups(m, f) := {concat("", ["user:", g]) | g := m.user_groups[_]; g == input.users[f.user].groups[_]}

matched_device_groups(m) := {concat("", ["device:", g]) | g := m.device_groups[_]; g == input.device.groups[_]}

group_note(m, f) := concat("", [" (", concat(", ", matched_groups(m, f)), ")"]) if count(matched_groups(m, f)) > 0

group_note(m, f) := "" if count(matched_groups(m, f)) == 0

# A version range needs a known version; every bound given must hold.
version_ok(m, _) if not m.version

version_ok(m, f) if {
	f.semver != null
	lt_ok(m.version, f.semver)
	lte_ok(m.version, f.semver)
	gt_ok(m.version, f.semver)
	gte_ok(m.version, f.semver)
}

lt_ok(r, _) if not r.lt

lt_ok(r, v) if semver.compare(v, r.lt) < 0

lte_ok(r, _) if not r.lte

lte_ok(r, v) if semver.compare(v, r.lte) <= 0

gt_ok(r, _) if not r.gt

gt_ok(r, v) if semver.compare(v, r.gt) > 0

gte_ok(r, _) if not r.gte

gte_ok(r, v) if semver.compare(v, r.gte) >= 0

# ---- which bypasses made a rule match (for the decision's reason) ------------------------------

matched_bypasses(m, f) := sort([concat(" ", [b.kind, b.name]) | b := f.bypasses[_]; b.kind == m.bypass[_]])

bypass_note(m, _) := "" if not m.bypass

bypass_note(m, f) := concat("", ["; managed settings bypassed: ", concat(", ", matched_bypasses(m, f))]) if m.bypass

# ---- grace periods, monitor mode, texts -------------------------------------------------------

in_grace(rule) if {
	rank[rule.action] >= rank.block
	input.now < rule.grace_until
}

effective_action(rule) := "warn" if in_grace(rule)

effective_action(rule) := rule.action if not in_grace(rule)

grace(rule) := rule.grace_until if in_grace(rule)

grace(rule) := null if not in_grace(rule)

grace_note(rule) := concat("", ["; grace period: warn until ", rule.grace_until]) if in_grace(rule)

grace_note(rule) := "" if not in_grace(rule)

fleet_monitor := true if data.mode == "monitor"

fleet_monitor := false if data.mode != "monitor"

monitored(_) if data.mode == "monitor"

monitored(rule) if rule.monitor == true

monitored_flag(rule) := true if monitored(rule)

monitored_flag(rule) := false if not monitored(rule)

rule_message(rule) := rule.message if rule.message

rule_message(rule) := data.message if not rule.message

rule_alternative(rule) := rule.alternative if rule.alternative

rule_alternative(rule) := data.alternative if not rule.alternative

rule_settings(rule) := rule.settings if {
	rule.action == "configure"
	rule.settings
}

rule_settings(rule) := null if rule.action != "configure"

rule_settings(rule) := null if not rule.settings
