import type { Command } from "commander";
import type { CommandKit, Io } from "./context";

/**
 * The CLI's top-level commands, and the module that registers each, loaded only when the command
 * runs (or its help is asked for): `x402 --help` and an unknown command load none of them, `x402
 * wallet balance` loads the wallet module alone (with viem, drizzle and postgres behind it). The
 * term and description of each are those the module registers, written here so the top-level help
 * needs no module; lib/cli/lazy.test.ts checks they match.
 */

export type Kit = CommandKit & { io: Io };
type Register = (program: Command, kit: Kit) => unknown;

export interface CommandGroup {
  /** Loads the module and returns its register function (registers every command in `commands`). */
  load: () => Promise<Register>;
  /** The top-level commands it registers, in order: name, the help's term, the description. */
  commands: readonly (readonly [name: string, term: string, description: string])[];
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    load: async () => (await import("./commands/login")).registerLogin,
    commands: [
      [
        "login",
        "login [options]",
        "sign in as a console user: a personal token is saved for this OS user (mode 0600) and used by every command that changes state",
      ],
      ["logout", "logout", "revoke this shell's token in the database and delete its file"],
      ["whoami", "whoami", "the console user this shell acts as, and its role"],
    ],
  },
  {
    load: async () => (await import("./commands/budgets")).registerBudgets,
    commands: [
      [
        "budgets",
        "budgets [options]",
        "each agent's usage in the current UTC day and month, limits and their sources; the fleet and vendor caps",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/approvals")).registerApprovals,
    commands: [
      ["approvals", "approvals", "monthly limit increases and held payments waiting for an approver"],
    ],
  },
  {
    load: async () => (await import("./commands/ledger")).registerLedger,
    commands: [["ledger", "ledger", "the payment ledger"]],
  },
  {
    load: async () => (await import("./commands/kill-switch")).registerKillSwitch,
    commands: [
      [
        "kill-switch",
        "kill-switch [options] <action>",
        "stop every payment at once (on), allow them again (off), or show the state",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/agents")).registerAgents,
    commands: [
      ["agents", "agents", "the agents that pay"],
      ["users", "users", "console users"],
    ],
  },
  {
    load: async () => (await import("./commands/vendors")).registerVendors,
    commands: [
      [
        "vendors",
        "vendors",
        "the vendor catalog: vendors from the facilitator's discovery list and the payer's 402s, their prices and pinned payTo",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/pay")).registerPay,
    commands: [
      [
        "pay",
        "pay [options] <url>",
        "buy an HTTP resource over x402 as an agent, through the running console's payment API (its budget guard)",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/mcp")).registerMcp,
    commands: [
      [
        "mcp",
        "mcp [options]",
        "serve the MCP tools (pay_for_resource, get_budget, get_payment, list_vendors) on stdio for an MCP client, as the agent whose key X402_AGENT_KEY holds",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/wallet")).registerWallet,
    commands: [
      [
        "wallet",
        "wallet",
        "the payer wallet: address, USDC and gas balances, and the runway at recent spend",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/treasury")).registerTreasury,
    commands: [["treasury", "treasury", "the payer wallet's treasury operations"]],
  },
  {
    load: async () => (await import("./commands/database")).registerDatabase,
    commands: [["db", "db", "the PostgreSQL ledger"]],
  },
  {
    load: async () => (await import("./commands/settle")).registerSettle,
    commands: [
      [
        "settle",
        "settle [options]",
        "stale and unsettled payments: list them, or resolve them from the chain (--auto, --id); --cancel cancels live authorizations on chain",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/monitor")).registerMonitor,
    commands: [
      [
        "monitor",
        "monitor [options]",
        "wallet balance, agents' usage and open alerts; exit 1 while a critical alert is open",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/reconcile")).registerReconcile,
    commands: [
      [
        "reconcile",
        "reconcile [options]",
        "check the ledger against USDC transfers on chain; saves a report unless --dry-run",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/audit")).registerAudit,
    commands: [
      [
        "audit",
        "audit [options]",
        "budget audit: ledger vs budget windows, overruns, daily/monthly rollups, data integrity, spending anomalies",
      ],
    ],
  },
  {
    load: async () => (await import("./commands/audit-log")).registerAuditLog,
    commands: [["audit-log", "audit-log", "the append-only, hash-chained audit log"]],
  },
  {
    load: async () => (await import("./commands/backup")).registerBackup,
    commands: [
      [
        "backup",
        "backup [options]",
        "copy the whole database to one file (pg_dump custom format, or the portable format)",
      ],
      [
        "restore",
        "restore [options] <file>",
        "restore a complete backup (either format) into an empty database; --force backs up what is there, then replaces it",
      ],
    ],
  },
];

/**
 * The command `argv` runs: its first word that is not an option (the word after `help` for `x402
 * help ledger`); undefined for `x402 --help` and `x402`.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  const words = argv.filter((arg) => !arg.startsWith("-"));
  return words[0] === "help" ? words[1] : words[0];
}
