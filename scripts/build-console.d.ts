// Types for scripts/build-console.js (plain JS so `npm run build` needs no tsx), used by the tests.
export declare const CONSOLE_OUT: string;
export declare function buildConsole(out?: string): Promise<{ js: string; css: string; bytes: number }>;
