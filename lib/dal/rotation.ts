import "server-only";
import { desc, eq } from "drizzle-orm";
import type { Address } from "viem";
import { agents, transactions } from "@/db/schema";
import { env } from "@/lib/env";
import { ensureOwnerSet } from "@/lib/payment-core/treasury/owners";
import type { RotationDeps } from "@/lib/payment-core/treasury/rotation";
import { type RotationStatus, rotationStatus } from "@/lib/payment-core/treasury/rotation-status";
import { getUsdcBalance } from "@/lib/payment-core/x402/usdc";
import { appDb } from "@/lib/server/db";
import { appRotationDeps } from "@/lib/server/treasury";
import { readChainBounded } from "./chain-read";

/**
 * The rotation page's server side: what the page shows for the step the open rotation waits for
 * (the rotation's dependencies, which the actions use too: lib/server/treasury.ts).
 */

export interface RotationPageView {
  status: RotationStatus;
  chainId: number;
  network: string;
  /** Who may approve now: the recorded treasury owners (/treasury/owners), and how many must sign. */
  owners: readonly Address[];
  quorum: number;
  /** Active agents, for the test payment's agent. */
  agentIds: string[];
  /** The last settled purchase (its agent and URL): the test payment's default. */
  lastPaid: { agentId: string; url: string } | null;
  /** USDC the new wallet holds (test payment step) and the old one holds (sweep step); null when unread. */
  newWalletMicro: bigint | null;
  oldWalletMicro: bigint | null;
}

/** A balance, or null when the chain does not answer in time: the page still renders the step. */
async function balanceOrNull(deps: RotationDeps, address: string): Promise<bigint | null> {
  const read = await readChainBounded(
    () => getUsdcBalance(deps.publicClient, deps.usdcAddress, address as Address),
    { what: "balance" },
  );
  return read.ok ? read.value : null;
}

export async function getRotationPage(): Promise<RotationPageView> {
  const db = appDb();
  const config = env();
  const status = await rotationStatus(db, config.payments.chainId);
  const [ownerSet, agentRows, [last]] = await Promise.all([
    ensureOwnerSet(db, config),
    db.select({ id: agents.id }).from(agents).where(eq(agents.status, "active")).orderBy(agents.id),
    db
      .select({ agentId: transactions.agentId, url: transactions.resourceUrl })
      .from(transactions)
      .where(eq(transactions.status, "completed"))
      .orderBy(desc(transactions.completedAt))
      .limit(1),
  ]);
  const step = status.open?.nextStep;
  let newWalletMicro: bigint | null = null;
  let oldWalletMicro: bigint | null = null;
  if (status.open && (step === "test_payment" || step === "sweep")) {
    // Without USDC configured there is nothing to read (the steps themselves say so with a code).
    const deps = config.payments.usdcAddress ? appRotationDeps(db) : null;
    if (deps) {
      [newWalletMicro, oldWalletMicro] = await Promise.all([
        balanceOrNull(deps, status.open.rotation.newWallet),
        balanceOrNull(deps, status.open.rotation.oldWallet),
      ]);
    }
  }
  return {
    status,
    chainId: config.payments.chainId,
    network: config.payments.network,
    owners: ownerSet.owners,
    quorum: ownerSet.quorum,
    agentIds: agentRows.map((a) => a.id),
    lastPaid: last?.url ? { agentId: last.agentId, url: last.url } : null,
    newWalletMicro,
    oldWalletMicro,
  };
}
