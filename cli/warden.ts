// Top-level `warden` command: dispatches to the subcommand modules each area owns.
// Each subcommand is registered here when the area that implements it lands.
export type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./demo.ts')).default,
  policy: async () => (await import('./policy.ts')).default,
  server: async () => (await import('../server/src/cli/server.ts')).default,
  bans: async () => (await import('../server/src/cli/bans.ts')).default,
  report: async () => (await import('../server/src/cli/report.ts')).default,
  gitops: async () => (await import('../server/src/cli/gitops.ts')).default,
};

export function usage(): string {
  const names = Object.keys(commands).sort();
  return `usage: warden <command> [args]\ncommands: ${names.length ? names.join(', ') : '(none yet)'}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`warden: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  return (await load())(rest);
}
