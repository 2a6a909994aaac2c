// The planner's output and the WASM emitter's input: an intermediate representation of blocks and
// statements in the spirit of OPA's `internal/ir` (the plan `opa build -t plan` prints).
//
// This file is the contract between the front half of the compiler (lexer → parser → checks →
// planner) and the back half (emitter + runtime). Both sides may add statements, but only here,
// and both must then handle them.
//
// Execution model (same as OPA's):
// - A plan or function body is a list of Blocks run in order.
// - A statement that is "undefined" or false (EqualStmt with unequal operands, DotStmt on a missing
//   key, IsDefinedStmt on an unset local, a CallStmt whose callee returns undefined, …) exits the
//   innermost enclosing Block; execution continues after that block.
// - BreakStmt{index} exits `index + 1` enclosing Blocks (index 0 = the innermost block, like
//   `br 0` around that block). ScanStmt and NotStmt bodies are Blocks and count as one level.
// - Locals are numbered; 0 is the input document, 1 the data document. A local that was never
//   assigned (or was reset with ResetLocalStmt) is undefined.
// - A Func returns its Return local; undefined there means the call is undefined.
// - Values are immutable from the IR's point of view except through the Make*/…Insert/Append/Add
//   statements that build a fresh collection in a local.

export type Local = number;

export const LOCAL_INPUT: Local = 0;
export const LOCAL_DATA: Local = 1;

/** An operand: a local, a boolean constant, or a string constant by index into Static.strings. */
export type Operand =
  | { type: 'local'; value: Local }
  | { type: 'bool'; value: boolean }
  | { type: 'string_index'; value: number };

export interface Location {
  file: string;
  row: number;
  col: number;
}

export interface Policy {
  static: Static;
  plans: Plan[];
  funcs: Func[];
}

export interface Static {
  /** String constants; also number literals as text for MakeNumberRefStmt (exact, like OPA). */
  strings: string[];
  /** Builtins the policy calls, by name (e.g. "plus", "count", "regex.match"). */
  builtinFuncs: { name: string; arity: number }[];
  files: string[];
}

/** One plan per entrypoint; name is the entrypoint path, e.g. "warden/decision". */
export interface Plan {
  name: string;
  blocks: Block[];
}

export interface Func {
  /** Unique name, e.g. "g0.data.warden.decision". */
  name: string;
  /** The first two params are always input (0) and data (1); function args follow. */
  params: Local[];
  return: Local;
  blocks: Block[];
  /** Rule path, e.g. ["g0", "warden", "decision"]: used by CallDynamicStmt resolution. */
  path: string[];
}

export interface Block {
  stmts: LocatedStmt[];
}

export type Stmt =
  // Control flow
  | { type: 'BlockStmt'; blocks: Block[] }
  | { type: 'BreakStmt'; index: number }
  | { type: 'NotStmt'; block: Block }
  | { type: 'ScanStmt'; source: Local; key: Local; value: Local; block: Block }
  | { type: 'NopStmt' }
  | { type: 'ReturnLocalStmt'; source: Local }
  | { type: 'ResultSetAddStmt'; value: Local }
  // Calls: `func` is either the name of a Func in Policy.funcs or a builtin's name.
  | { type: 'CallStmt'; func: string; args: Operand[]; result: Local }
  /** Calls the Func whose path matches `path` (operands evaluating to strings); undefined if none. */
  | { type: 'CallDynamicStmt'; args: Local[]; result: Local; path: Operand[] }
  // With: runs `block` with the value at `path` (indexes into Static.strings) of `local` replaced.
  | { type: 'WithStmt'; local: Local; path: number[]; value: Operand; block: Block }
  // Locals
  | { type: 'AssignIntStmt'; value: number; target: Local }
  | { type: 'AssignVarStmt'; source: Operand; target: Local }
  /** Assigns if target is undefined; if defined and different, raises a conflict error. */
  | { type: 'AssignVarOnceStmt'; source: Operand; target: Local }
  | { type: 'ResetLocalStmt'; target: Local }
  // Value construction
  | { type: 'MakeNullStmt'; target: Local }
  | { type: 'MakeNumberIntStmt'; value: number; target: Local }
  /** Number from its literal text in Static.strings[index] (keeps big/precise numbers exact). */
  | { type: 'MakeNumberRefStmt'; index: number; target: Local }
  | { type: 'MakeArrayStmt'; capacity: number; target: Local }
  | { type: 'MakeObjectStmt'; target: Local }
  | { type: 'MakeSetStmt'; target: Local }
  | { type: 'ArrayAppendStmt'; value: Operand; array: Local }
  | { type: 'ObjectInsertStmt'; key: Operand; value: Operand; object: Local }
  /** Inserts key; if the key exists with a different value, raises a conflict error. */
  | { type: 'ObjectInsertOnceStmt'; key: Operand; value: Operand; object: Local }
  /** Deep-merges object b into a copy of a (a wins on non-object leaves); undefined if a conflict. */
  | { type: 'ObjectMergeStmt'; a: Local; b: Local; target: Local }
  | { type: 'SetAddStmt'; value: Operand; set: Local }
  // Tests (undefined → exit block)
  | { type: 'DotStmt'; source: Operand; key: Operand; target: Local }
  | { type: 'LenStmt'; source: Operand; target: Local }
  | { type: 'EqualStmt'; a: Operand; b: Operand }
  | { type: 'NotEqualStmt'; a: Operand; b: Operand }
  | { type: 'IsArrayStmt'; source: Operand }
  | { type: 'IsObjectStmt'; source: Operand }
  | { type: 'IsSetStmt'; source: Operand }
  | { type: 'IsDefinedStmt'; source: Local }
  | { type: 'IsUndefinedStmt'; source: Local };

/** Statement annotated with where it came from (for runtime error messages such as conflicts). */
export type LocatedStmt = Stmt & { location?: Location };
