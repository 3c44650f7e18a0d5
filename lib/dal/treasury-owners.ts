import "server-only";
import type { Database } from "@/db/client";
import { env } from "@/lib/env";
import {
  listOwners,
  type OwnerDeps,
  ownerDeps,
  removedOwners,
  type TreasuryOwner,
} from "@/lib/payment-core/treasury/owners";
import { appDb } from "./db";

/** The owners page's data: who may approve a rotation now, and the console owners removed so far. */
export async function treasuryOwnersView(): Promise<{
  owners: TreasuryOwner[];
  removed: Awaited<ReturnType<typeof removedOwners>>;
}> {
  const db = appDb();
  const [owners, removed] = await Promise.all([listOwners(db, env().treasuryOwners), removedOwners(db)]);
  return { owners, removed };
}

/** What the add and remove actions check against: X402_TREASURY_OWNERS and the configured payer. */
export function treasuryOwnerDeps(db: Database): OwnerDeps {
  return ownerDeps(db, env());
}
