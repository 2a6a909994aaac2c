// What the agent knows about a running process, from the operating system — never from what the
// process says about itself. argv is read only to find the script an interpreter was given, and that
// script must then exist and be proven (attribute.ts); it is never kept or reported.

export interface ProcFacts {
  pid: number;
  /** When it started, as the OS records it (Linux: clock ticks after boot). pid + start name one process. */
  start: string | null;
  /** Real uid of the process. */
  uid: number | null;
  /** Short process name (comm): chosen by the process, informational only. */
  name: string;
  /** The executable the kernel runs (Linux: /proc/<pid>/exe); null when unknown or deleted. */
  exe: string | null;
  argv: string[];
  /** Working folder (to resolve a script given by relative path). */
  cwd: string | null;
  /** Mount namespace id: a process in another one (a container) sees other files at the same paths. */
  namespace: string | null;
  zombie: boolean;
}
