// Entry point of the runtime: everything exported here (and from builtins/*.ts, which
// build-runtime.js passes as extra entry files) is visible to the emitter, which calls these
// functions from generated code and then drops the exports it does not need.
export * from './alloc';
export * from './value';
export * from './number';
export * from './compare';
export * from './collections';
export * from './json';
export * from './abi';
