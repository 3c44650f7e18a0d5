import { and, eq } from "drizzle-orm";
import { type Address, getAddress, type Hex } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount, privateKeyToAddress } from "viem/accounts";
import type { Database } from "@/db/client";
import { wallets } from "@/db/schema";
import type { PaymentEnv } from "../support/config";
import { OperationError } from "../support/errors";
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

/** Throws `payer_retired` when `address` is a wallet a rotation retired. */
async function refuseRetired(db: Database, address: Address, message: string): Promise<void> {
  const [retired] = await db
    .select({ retiredAt: wallets.retiredAt })
    .from(wallets)
    .where(and(eq(wallets.address, address.toLowerCase()), eq(wallets.active, false)))
    .limit(1);
  if (retired?.retiredAt) {
    throw new OperationError("payer_retired", message, {
      wallet: getAddress(address),
      retiredAt: retired.retiredAt.toISOString(),
    });
  }
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
  await refuseRetired(
    db,
    account.address,
    "X402_PAYER_PRIVATE_KEY is the key of a wallet retired by a rotation: it signs nothing",
  );
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
  const cached = briefly(
    () => readActivePayer(options.db, options.envKey, options.environment),
    options.ttlMs,
    options.now,
  );
  return { current: cached.read, invalidate: cached.forget };
}

/** `read`, its answer kept for `ttlMs` (default 2 s); a failed read is not kept: the next call asks again. */
function briefly<T>(read: () => Promise<T>, ttlMs = 2_000, now: () => number = Date.now) {
  let cached: { at: number; value: Promise<T> } | undefined;
  return {
    read(): Promise<T> {
      if (!cached || now() - cached.at >= ttlMs) {
        const value = read();
        cached = { at: now(), value };
        value.catch(() => {
          if (cached?.value === value) cached = undefined;
        });
      }
      return cached.value;
    },
    forget() {
      cached = undefined;
    },
  };
}

/** The payer the environment names: X402_WALLET_ADDRESS, else the address of X402_PAYER_PRIVATE_KEY. */
export function envPayerAddress(
  payments: Pick<PaymentEnv, "walletAddress" | "payerPrivateKey">,
): Address | null {
  return (
    payments.walletAddress ??
    (payments.payerPrivateKey ? privateKeyToAddress(payments.payerPrivateKey) : null)
  );
}

/**
 * The payer address now, for everything that names the payer (the Treasury and Fund pages, the
 * funding check, `x402 wallet`, reconciliation, the balance alerts): the active payer wallet,
 * else `fallback` (the environment's payer, `envPayerAddress`). No key is read, so a console that
 * only watches (X402_WALLET_ADDRESS, no key) names the rotated payer too. Checksummed; null when
 * neither is configured. A wallet retired by a rotation is never the payer: with no active payer
 * and a retired fallback it throws `payer_retired`.
 */
export async function currentPayerAddress(db: Database, fallback: Address | null): Promise<Address | null> {
  const row = await activePayerWallet(db);
  if (row) return getAddress(row.address);
  if (!fallback) return null;
  await refuseRetired(
    db,
    fallback,
    "the configured payer wallet was retired by a rotation and no payer wallet is active",
  );
  return getAddress(fallback);
}

export interface PayerAddressSource {
  current(): Promise<Address | null>;
  invalidate(): void;
}

/**
 * `currentPayerAddress`, cached for `ttlMs` (default 2 s), for reads that run per request or per
 * poll (the overview's balance, the metrics scrape, the alerts).
 */
export function createPayerAddressSource(options: {
  db: Database;
  fallback: Address | null;
  ttlMs?: number;
  now?: () => number;
}): PayerAddressSource {
  const cached = briefly(() => currentPayerAddress(options.db, options.fallback), options.ttlMs, options.now);
  return { current: cached.read, invalidate: cached.forget };
}
