// Evaluates the fleet policy: the bundle's policy.wasm in the unmodified opa-wasm SDK, with the
// bundle's data. Output is checked: a list of valid decisions, exactly one per input finding.
import { Decisions, type Decision } from '../../../wire/src/decision.ts';
import type { PolicyInput } from '../../../wire/src/policy-input.ts';
import { validate } from '../../../wire/src/validate.ts';
import { ENTRYPOINT, type PolicyBundle } from './bundle.ts';
import { loadHostedPolicy, type HostedPolicy } from './host-builtins/index.ts';

export class PolicyEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyEvaluationError';
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

export class PolicyEngine {
  private constructor(
    private readonly policy: HostedPolicy,
    readonly revision: string,
  ) {}

  static async load(bundle: PolicyBundle): Promise<PolicyEngine> {
    let policy: HostedPolicy;
    try {
      policy = await loadHostedPolicy(bundle.wasm);
      policy.setData(bundle.data);
    } catch (e) {
      throw new PolicyEvaluationError(`cannot load policy.wasm: ${errorText(e)}`);
    }
    const eps = policy.entrypoints;
    if (!(ENTRYPOINT in eps)) {
      throw new PolicyEvaluationError(`policy.wasm has no entrypoint ${ENTRYPOINT} (has: ${Object.keys(eps).join(', ') || 'none'})`);
    }
    return new PolicyEngine(policy, bundle.revision);
  }

  /** One decision per finding, in input order. */
  evaluate(input: PolicyInput): Decision[] {
    let results: unknown;
    try {
      results = this.policy.evaluate(input, ENTRYPOINT);
    } catch (e) {
      throw new PolicyEvaluationError(`policy evaluation failed: ${errorText(e)}`);
    }
    const first: unknown = Array.isArray(results) ? results[0] : undefined;
    if (!first || typeof first !== 'object' || !('result' in first)) {
      throw new PolicyEvaluationError(`policy returned no result for ${ENTRYPOINT} (undefined: check data.json has the ban list fields)`);
    }
    const decisions = validate(Decisions, (first as { result: unknown }).result, 'policy decisions');
    // Decisions name findings only (never paths or pids): the agent acts on what its own inventory found.
    const want = new Map(input.findings.map((f) => [f.id, f.tool]));
    const got = new Set<string>();
    for (const d of decisions) {
      const tool = want.get(d.finding);
      if (tool === undefined) throw new PolicyEvaluationError(`policy decided on unknown finding '${d.finding}'`);
      if (tool !== d.tool) throw new PolicyEvaluationError(`policy decision for finding '${d.finding}' names tool '${d.tool}', not '${tool}'`);
      if (got.has(d.finding)) throw new PolicyEvaluationError(`policy returned two decisions for finding '${d.finding}'`);
      got.add(d.finding);
    }
    for (const id of want.keys()) if (!got.has(id)) throw new PolicyEvaluationError(`policy returned no decision for finding '${id}'`);
    return decisions;
  }
}
