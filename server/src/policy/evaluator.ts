// How the server evaluates a ban list against devices' inventories (impact preview, compliance
// report). The evaluation itself is the fleet policy (policies/warden.rego) compiled to WASM and run
// in opa-wasm, exactly what agents run; the server only builds the inputs and compares decisions.
import type { BanList } from '../../../wire/src/banlist.ts';
import type { Decision } from '../../../wire/src/decision.ts';
import type { PolicyInput } from '../../../wire/src/policy-input.ts';

export interface PolicyEvaluator {
  /** One decision list per input, in input order. */
  evaluate(list: BanList, inputs: PolicyInput[]): Promise<Decision[][]>;
}
