// glibc's malloc keeps blocks below its mmap threshold (128 KB, raised further as the process runs)
// in the process heap, where a freed block stays resident until everything above it is freed too.
// V8 parses and compiles in zone segments of up to 32 KB that live only while it works: a process
// that loaded the agent's 1.6 MB bundle holds ~12 MB of such freed holes (15 MB of heap for 3 MB
// in use). At a 32 KB threshold those segments get mappings of their own and go back to the OS when
// freed: the cycle child loading the bundle 63 → 52 MB RSS, the scan's peak ~4 MB lower (figures:
// bench/agent-idle.ts, bench/inventory.ts). Fixing the threshold also stops glibc's dynamic raise.
// Only glibc (Linux) reads the variable; macOS and Windows ignore it.
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '32768' };
