import { and, eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import type { Database } from "@/db/client";
import { wallets } from "@/db/schema";
import { OperationError } from "../errors";
import { resolveKeyRef } from "./key-ref";

/**
 * Which key the payment path signs with. The active payer wallet in the database (its key read
 * through its key_ref) wins; with none registered the process's X402_PAYER_PRIVATE_KEY is used, so
 * a console that never rotated works as before. A key whose wallet was retired by a rotation is
 * refused, so an old X402_PAYER_PRIVATE_KEY left in the environment cannot pay again.
 */

export interface ActivePayer {
  /** Checksummed. */
  address: Address;
  account: PrivateKeyAccount;
  source: "wallet" | "env";
  keyRef: string | null;
}

export interface PayerKeySource {
  /** The key to sign with now, or null when neither a payer wallet nor an env key is configured. */
  current(): Promise<ActivePayer | null>;
  /** Forget the cached answer (a rotation in this process just completed). */
  invalidate(): void;
}

/** The active payer wallet row, if one is registered. */
export async function activePayerWallet(db: Database) {
  const [row] = await db
    .select()
    .from(wallets)
    .where(and(eq(wallets.role, "payer"), eq(wallets.active, true)))
    .limit(1);
  return row ?? null;
}

export async function readActivePayer(
  db: Database,
  envKey: Hex | undefined,
  environment: Record<string, string | undefined> = process.env,
): Promise<ActivePayer | null> {
  const row = await activePayerWallet(db);
  if (row?.keyRef) {
    // The parsed X402_PAYER_PRIVATE_KEY answers its own reference (the wallet a first rotation starts from).
    const env = envKey ? { ...environment, X402_PAYER_PRIVATE_KEY: envKey } : environment;
    const account = privateKeyToAccount(await resolveKeyRef(row.keyRef, env));
    if (account.address.toLowerCase() !== row.address.toLowerCase()) {
      throw new OperationError(
        "payer_key_mismatch",
        `the key at ${row.keyRef} is not the payer wallet's key`,
        {
          wallet: row.address,
          keyRef: row.keyRef,
          derived: account.address,
        },
      );
    }
    return { address: account.address, account, source: "wallet", keyRef: row.keyRef };
  }
  if (!envKey) return null;
  const account = privateKeyToAccount(envKey);
  const [retired] = await db
    .select({ retiredAt: wallets.retiredAt })
    .from(wallets)
    .where(and(eq(wallets.address, account.address.toLowerCase()), eq(wallets.active, false)))
    .limit(1);
  if (retired?.retiredAt) {
    throw new OperationError(
      "payer_retired",
      "X402_PAYER_PRIVATE_KEY is the key of a wallet retired by a rotation: it signs nothing",
      { wallet: account.address, retiredAt: retired.retiredAt.toISOString() },
    );
  }
  return { address: account.address, account, source: "env", keyRef: null };
}

/**
 * `readActivePayer`, cached for `ttlMs` (default 2 s) so a burst of payments reads the wallets
 * table once. Another process picks up a rotation within ttlMs; by then the sweep has moved the
 * old wallet's USDC, so an authorization it signed in that window has nothing to move.
 */
export function createPayerKeySource(options: {
  db: Database;
  envKey: Hex | undefined;
  ttlMs?: number;
  environment?: Record<string, string | undefined>;
  now?: () => number;
}): PayerKeySource {
  const ttl = options.ttlMs ?? 2_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; value: Promise<ActivePayer | null> } | undefined;
  return {
    current() {
      if (!cached || now() - cached.at >= ttl) {
        const value = readActivePayer(options.db, options.envKey, options.environment);
        cached = { at: now(), value };
        // A failed read is not cached: the next payment asks again.
        value.catch(() => {
          if (cached?.value === value) cached = undefined;
        });
      }
      return cached.value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
