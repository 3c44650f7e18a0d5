/**
 * The commands `npm run demo` prints to try the running console from a shell. Kept here so a test
 * runs exactly what the demo prints (lib/cli/commands/pay.test.ts).
 */
export function tryPayCommand(input: { consoleUrl: string; vendorUrl: string; agentKey: string }): string {
  return `npm run x402 -- pay '${input.vendorUrl}/search?q=x402' --api ${input.consoleUrl} --agent-key ${input.agentKey}`;
}

/** The arguments of a printed `npm run x402 -- …` command, as the shell would pass them. */
export function argvOf(command: string): string[] {
  const prefix = "npm run x402 -- ";
  if (!command.startsWith(prefix)) throw new Error(`not an x402 command: ${command}`);
  return [...command.slice(prefix.length).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "");
}
