// A single matched signal before aggregation into findings.
import type { Channel, McpServer, RunningProcess } from '../../../wire/src/inventory.ts';

export type Hit = {
  tool: string;
  user: string | null;
  channel: Channel;
  signal: string;
  path: string;
  strong: boolean;
  version?: string;
  detail?: string;
  running?: RunningProcess;
  mcp?: McpServer[];
};
