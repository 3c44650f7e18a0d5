import { readFileSync } from "node:fs";
import path from "node:path";
import { ROLES, type Role } from "@/lib/payment-core/access/users";

export { ROLES, type Role };

export const STATE_FILE = path.join(import.meta.dirname, ".state.json");

/** One signed-in browser session per role, saved by global-setup.ts (kept out of git with test-results). */
export const authFile = (role: Role) =>
  path.join(import.meta.dirname, "../test-results/.auth", `${role}.json`);

/** Each demo user's password in the e2e database (`<role>@demo.local`). */
export const E2E_PASSWORDS = Object.fromEntries(
  ROLES.map((role) => [role, `e2e-${role}-password-1`]),
) as Record<Role, string>;

export interface E2eState {
  baseURL: string;
  dbUrl: string;
  metricsToken: string;
  /** CRON_SECRET of the e2e console: the bearer of /api/cron/*. */
  cronSecret: string;
  vendorUrl: string;
  payerAddress: string;
  /** The local chain's RPC and USDC, and the demo funding wallet (the Fund page's mock wallet). */
  rpcUrl: string;
  usdcAddress: string;
  funderAddress: string;
  /**
   * The treasury owners X402_TREASURY_OWNERS names (quorum 2): the funder (anvil #4, owner A) and
   * anvil #5 (owner B), both accounts of the demo wallet, picked with its "Demo account" select.
   */
  ownerAddresses: [string, string];
  agentKeys: Record<string, string>;
  /**
   * The console's own variables (DATABASE_URL through PgBouncer, the secrets, the chain): a second
   * console process started with them is the same deployment (pooled.spec.ts).
   */
  consoleEnv: Record<string, string>;
}

export function e2eState(): E2eState {
  return JSON.parse(readFileSync(STATE_FILE, "utf8")) as E2eState;
}
