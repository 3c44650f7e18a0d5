import "server-only";
import { env } from "@/lib/env";
import { listProposals, type ProposalView } from "@/lib/payment-core/treasury/owner-proposals";
import {
  listOwners,
  readOwnerSet,
  recordInitialOwners,
  removedOwners,
  type TreasuryOwner,
} from "@/lib/payment-core/treasury/owners";
import { appDb } from "@/lib/server/db";

/** The owners page's data: the recorded owners, the quorum, the proposals and the removed owners. */
export async function treasuryOwnersView(): Promise<{
  owners: TreasuryOwner[];
  quorum: number;
  proposals: ProposalView[];
  removed: Awaited<ReturnType<typeof removedOwners>>;
  chainId: number;
  /** Set when X402_TREASURY_OWNERS differs from the recorded set (it changes nothing now). */
  warning: string | null;
}> {
  const db = appDb();
  const config = env();
  const { warning } = await recordInitialOwners(db, config);
  const [owners, set, proposals, removed] = await Promise.all([
    listOwners(db),
    readOwnerSet(db, config),
    listProposals(db, config, config.payments.chainId),
    removedOwners(db),
  ]);
  return { owners, quorum: set.quorum, proposals, removed, chainId: config.payments.chainId, warning };
}
