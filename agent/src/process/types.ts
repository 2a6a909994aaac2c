// What the agent knows about a running process, from the operating system — never from what the
// process says about itself. argv is read only to find the script an interpreter was given, and that
// script must then exist and be proven (attribute.ts); it is never kept or reported.

export interface ProcFacts {
  pid: number;
  /** When it started, as the OS records it (Linux /proc: clock ticks after boot; ps: UTC second; Windows: UTC, 100 ns). pid + start name one process. */
  start: string | null;
  /** Parent pid, when the source reports it. */
  ppid?: number | null;
  /** Real uid of the process (POSIX); null on Windows, which names users instead (see `user`). */
  uid: number | null;
  /** The OS's name for the process's user when it gives a name rather than a uid (Windows: DOMAIN\\user). */
  user?: string | null;
  /** Short process name (comm): chosen by the process, informational only. */
  name: string;
  /** The executable the kernel runs (Linux: /proc/<pid>/exe; macOS: lsof's text file; Windows: Win32_Process.ExecutablePath); null when unknown or deleted. */
  exe: string | null;
  argv: string[];
  /**
   * argv came as one string joined by spaces (macOS `ps -o args`): a script path holding spaces is
   * split across elements, and is found again only by joining them back into a file that exists.
   */
  argvJoined?: boolean;
  /** Working folder (to resolve a script given by relative path). */
  cwd: string | null;
  /** Mount namespace id: a process in another one (a container) sees other files at the same paths. */
  namespace: string | null;
  zombie: boolean;
}
