// The policy input document: what the agent hands the Rego policy for one evaluation. Built by
// agent/src/policy/input.ts from the inventory + device facts + now + exceptions and validated
// before evaluation. Only what policy needs: no paths, no pids.
import { Type, type Static } from '@sinclair/typebox';
import { PolicyException } from './banlist.ts';
import { UtcTime } from './utc-time.ts';
import { BypassSignal } from './bypass.ts';

export const PolicyFinding = Type.Object(
  {
    id: Type.String({ description: 'tool:channel:user, unique per inventory finding' }),
    tool: Type.String(),
    name: Type.String(),
    vendor: Type.String(),
    vendor_country: Type.Union([Type.String(), Type.Null()]),
    category: Type.String(),
    channel: Type.String(),
    user: Type.Union([Type.String(), Type.Null()], { description: 'owner, null for machine-wide installs' }),
    version: Type.Union([Type.String(), Type.Null()], { description: 'as read from the manifest' }),
    semver: Type.Union([Type.String(), Type.Null()], { description: 'version coerced to full semver, null when not parseable' }),
    running: Type.Boolean(),
    mcp_servers: Type.Optional(
      Type.Array(
        Type.Object(
          { name: Type.String(), transport: Type.String(), scope: Type.String() },
          { additionalProperties: false },
        ),
        { description: "MCP servers the tool's configs name (inventory findings[].mcp_servers, without commands or URLs)" },
      ),
    ),
    bypasses: Type.Optional(Type.Array(BypassSignal, { description: 'ways the managed settings were seen bypassed for this finding' })),
  },
  { additionalProperties: false },
);
export type PolicyFinding = Static<typeof PolicyFinding>;

export const PolicyInput = Type.Object(
  {
    now: UtcTime,
    device: Type.Object(
      {
        id: Type.String(),
        hostname: Type.String(),
        os: Type.String(),
        groups: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
    /** user name → facts; every finding's user appears here. */
    users: Type.Record(Type.String(), Type.Object({ groups: Type.Array(Type.String()) }, { additionalProperties: false })),
    findings: Type.Array(PolicyFinding),
    exceptions: Type.Array(PolicyException, { description: 'exceptions granted to this device or its users' }),
  },
  { additionalProperties: false },
);
export type PolicyInput = Static<typeof PolicyInput>;
