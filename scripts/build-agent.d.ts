// Types for scripts/build-agent.js (plain JS so `npm run build` needs no tsx), used by the tests.
export declare const DEFAULT_AGENT_BUNDLE: string;
export declare class AgentBundleError extends Error {}
export declare function forbiddenContent(inputs: string[], text: string): string[];
export declare function buildAgent(outfile?: string): Promise<{ outfile: string; bytes: number; inputs: string[]; sources: string[] }>;
