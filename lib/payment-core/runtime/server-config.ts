import { eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { settings } from "@/db/schema";
import { isoMs } from "@/db/sql";
import { agentLimitEnvVar, type BudgetConfig, LIMIT_KINDS, type LimitKind } from "../budgets/config";
import type { PaymentEnv } from "../support/config";
import { formatUsdc, type Micro } from "../support/money";
import { envPayerAddress } from "../treasury/payer-wallet";

/**
 * The paying process's effective configuration, recorded in `settings` under `server_config`
 * when it starts. Environment limits and X402_PAYMENTS_DISABLED are configuration of the process
 * that pays: the CLI runs in another shell with another environment, so it shows these recorded
 * figures (what the payment path enforces) and flags where its own environment differs.
 */

export const SERVER_CONFIG_KEY = "server_config";

/** The chain side of the recorded configuration: public values only (no key, no RPC credentials). */
export interface RecordedWallet {
  network: string;
  chainId: number;
  usdcAddress: string | null;
  walletAddress: string | null;
  /** Only a loopback RPC URL (the local chain) is recorded: a remote one may carry an API key. */
  rpcUrl: string | null;
}

export interface RecordedServerConfig {
  budget: BudgetConfig;
  wallet: RecordedWallet;
  recordedAt: string;
  pid: number;
  host: string;
}

/** As stored: bigints as decimal strings. */
interface StoredValue {
  version: 1;
  pid: number;
  host: string;
  paymentsDisabled: boolean;
  hardLimitMicro: string;
  alertThresholdPct: number;
  reservationTimeoutMs: number;
  defaults: Record<LimitKind, string>;
  agentLimits: Record<string, Partial<Record<LimitKind, string>>>;
  wallet: RecordedWallet;
}

function loopbackOnly(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.username || u.password || u.search) return null;
    return ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname) ? url : null;
  } catch {
    return null;
  }
}

/**
 * What the wallet part records of a process's payment configuration. `payerAddress` is the payer
 * at start-up (currentPayerAddress: the active payer wallet, else the environment's); readers
 * still ask the wallets table first, since a rotation completed later replaces it.
 */
export function walletOf(payments: PaymentEnv, payerAddress?: string | null): RecordedWallet {
  return {
    network: payments.network,
    chainId: payments.chainId,
    usdcAddress: payments.usdcAddress ?? null,
    walletAddress: payerAddress ?? envPayerAddress(payments),
    rpcUrl: loopbackOnly(payments.rpcUrl),
  };
}

/** Records (replaces) the serving process's configuration; called once at start-up. */
export async function recordServerConfig(
  db: Database,
  input: { budget: BudgetConfig; wallet: RecordedWallet; pid: number; host: string },
): Promise<void> {
  const b = input.budget;
  const value: StoredValue = {
    version: 1,
    pid: input.pid,
    host: input.host,
    paymentsDisabled: b.paymentsDisabled,
    hardLimitMicro: b.hardLimitMicro.toString(),
    alertThresholdPct: b.alertThresholdPct,
    reservationTimeoutMs: b.reservationTimeoutMs,
    defaults: {
      daily: b.defaults.daily.toString(),
      monthly: b.defaults.monthly.toString(),
      per_transaction: b.defaults.per_transaction.toString(),
    },
    agentLimits: Object.fromEntries(
      Object.entries(b.agentLimits).map(([agent, limits]) => [
        agent,
        Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, (v as Micro).toString()])),
      ]),
    ),
    wallet: input.wallet,
  };
  await db
    .insert(settings)
    .values({
      key: SERVER_CONFIG_KEY,
      value,
      updatedBy: `server:${input.host}:${input.pid}`,
      updatedAt: sql`now()`,
    })
    .onConflictDoUpdate({
      target: settings.key,
      set: { value: sql`excluded.value`, updatedBy: sql`excluded.updated_by`, updatedAt: sql`now()` },
    });
}

/** The last recorded configuration, or null when no serving process has started on this database. */
export async function readServerConfig(db: Database): Promise<RecordedServerConfig | null> {
  const [row] = await db
    .select({ value: settings.value, updatedAt: settings.updatedAt })
    .from(settings)
    .where(eq(settings.key, SERVER_CONFIG_KEY));
  const v = row?.value as StoredValue | undefined;
  if (!row || v?.version !== 1) return null;
  const micro = (s: string) => BigInt(s);
  return {
    budget: {
      paymentsDisabled: v.paymentsDisabled,
      hardLimitMicro: micro(v.hardLimitMicro),
      alertThresholdPct: v.alertThresholdPct,
      reservationTimeoutMs: v.reservationTimeoutMs,
      defaults: {
        daily: micro(v.defaults.daily),
        monthly: micro(v.defaults.monthly),
        per_transaction: micro(v.defaults.per_transaction),
      },
      agentLimits: Object.fromEntries(
        Object.entries(v.agentLimits).map(([agent, limits]) => [
          agent,
          Object.fromEntries(Object.entries(limits).map(([k, s]) => [k, micro(s as string)])),
        ]),
      ),
    },
    wallet: v.wallet,
    recordedAt: isoMs(row.updatedAt),
    pid: v.pid,
    host: v.host,
  };
}

/** One way this shell's environment differs from what the payment path enforces. */
export interface ConfigDifference {
  variable: string;
  /** What this shell sets ("" when unset). */
  local: string;
  /** What the serving process has ("" when unset). */
  server: string;
}

const usd = (m: Micro | undefined) => (m === undefined ? "" : formatUsdc(m, 2));

/**
 * The variables this shell sets differently from the serving process: per-agent limits, the
 * hard limit and X402_PAYMENTS_DISABLED. Each is ignored by the payment path.
 */
export function localDifferences(server: BudgetConfig, local: BudgetConfig): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  if (server.paymentsDisabled !== local.paymentsDisabled) {
    out.push({
      variable: "X402_PAYMENTS_DISABLED",
      local: String(local.paymentsDisabled),
      server: String(server.paymentsDisabled),
    });
  }
  if (server.hardLimitMicro !== local.hardLimitMicro) {
    out.push({
      variable: "X402_HARD_LIMIT_USDC",
      local: usd(local.hardLimitMicro),
      server: usd(server.hardLimitMicro),
    });
  }
  const agents = new Set([...Object.keys(server.agentLimits), ...Object.keys(local.agentLimits)]);
  for (const agent of [...agents].sort()) {
    for (const kind of LIMIT_KINDS) {
      const s = server.agentLimits[agent]?.[kind];
      const l = local.agentLimits[agent]?.[kind];
      if (s !== l) out.push({ variable: agentLimitEnvVar(agent, kind), local: usd(l), server: usd(s) });
    }
  }
  return out;
}

/** A difference as a sentence: "this shell sets X=150.00, the server ignores it (server: unset)". */
export function describeDifference(d: ConfigDifference): string {
  if (d.local === "")
    return `this shell does not set ${d.variable}; the server has ${d.variable}=${d.server}`;
  return `this shell sets ${d.variable}=${d.local}, the server ignores it (server: ${d.server || "unset"})`;
}
