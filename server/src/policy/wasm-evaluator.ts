// The real evaluation path: the fleet policy's policy.wasm in the unmodified opa-wasm SDK, through
// the agent's own PolicyEngine (agent/src/policy/evaluate.ts), with a ban list as data. The wasm
// does not depend on the ban list (the list is data), so one compiled module serves every draft.
import type { BanList } from '../../../wire/src/banlist.ts';
import type { Decision } from '../../../wire/src/decision.ts';
import type { PolicyInput } from '../../../wire/src/policy-input.ts';
import { PolicyEngine } from '../../../agent/src/policy/evaluate.ts';
import type { PolicyEvaluator } from './evaluator.ts';
import { HttpError } from '../http-error.ts';

export class WasmPolicyEvaluator implements PolicyEvaluator {
  private wasm: Promise<Buffer> | null = null;

  /** loadWasm: returns the fleet policy compiled to WASM (called once, then cached). */
  constructor(private readonly loadWasm: () => Promise<Buffer>) {}

  async evaluate(list: BanList, inputs: PolicyInput[]): Promise<Decision[][]> {
    this.wasm ??= this.loadWasm();
    const wasm = await this.wasm.catch((err: unknown) => {
      this.wasm = null; // try again next time (the policy may be fixed meanwhile)
      throw new HttpError(503, 'policy_unavailable', `cannot evaluate the fleet policy: ${err instanceof Error ? err.message : String(err)}`);
    });
    const engine = await PolicyEngine.load({ wasm, data: list as unknown as Record<string, unknown>, banList: list, revision: list.revision ?? 'draft', signed: false, digest: '' });
    return inputs.map((i) => engine.evaluate(i));
  }
}
