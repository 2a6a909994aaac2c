// `warden-agent` command: dispatches to the subcommand modules (scan, enforce, run, quarantine,
// install-service). Each subcommand is registered here by the module that implements it.
export type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  scan: async () => (await import('./inventory/command.ts')).default,
  'install-service': async () => (await import('./service/command.ts')).default,
  run: async () => (await import('./sync/run-entry.ts')).default,
  enforce: async () => (await import('./enforce/command.ts')).default,
  quarantine: async () => (await import('./enforce/quarantine-command.ts')).default,
  configure: async () => (await import('./enforce/configure-command.ts')).default,
};
/** Not listed in the usage: started by the daemon only (sync/daemon.ts). */
const hidden: Record<string, () => Promise<Command>> = {
  __cycle: async () => (await import('./sync/cycle-command.ts')).default,
};

export function usage(): string {
  const names = Object.keys(commands).sort();
  return `usage: warden-agent <command> [args]\ncommands: ${names.length ? names.join(', ') : '(none yet)'}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const load = commands[name] ?? hidden[name];
  if (!load) {
    process.stderr.write(`warden-agent: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  return (await load())(rest);
}
