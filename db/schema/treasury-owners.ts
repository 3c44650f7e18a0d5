import { sql } from "drizzle-orm";
import {
  bigserial,
  check,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/**
 * The treasury owners: the wallets whose EIP-712 signatures (a quorum of them) approve a payer-key
 * rotation and every change of this set (lib/payment-core/treasury/owners.ts). The server records
 * X402_TREASURY_OWNERS here once, as the initial set (source "env"); after that this table is the
 * only source: an owner is added or removed only by a proposal a quorum of owners signed (source
 * "proposal"). Rows with source "console" were added by one admin before the quorum existed.
 * Removal is a soft delete (removed_at, removed_by) so the history stays: who could approve when.
 * An address is active at most once; once removed it may be added again (a new row).
 */
export const treasuryOwners = pgTable(
  "treasury_owners",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** Lower-case 0x address (the console shows it checksummed). */
    address: text("address").notNull(),
    label: text("label"),
    /** "env" (the initial set), "proposal" (enacted by owners' signatures), "console" (before the quorum). */
    source: text("source").notNull().default("console"),
    /** The console user (email) or CLI actor who added (proposed) it; "X402_TREASURY_OWNERS" for the initial set. */
    addedBy: text("added_by").notNull(),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
    /** The proposal whose quorum added it (null for the initial set and older rows). */
    addedByProposal: text("added_by_proposal"),
    removedBy: text("removed_by"),
    removedAt: timestamp("removed_at", { withTimezone: true }),
    removedByProposal: text("removed_by_proposal"),
  },
  (t) => [
    uniqueIndex("treasury_owners_active_address").on(t.address).where(sql`${t.removedAt} IS NULL`),
    check("treasury_owners_address_lower_hex", sql`${t.address} ~ '^0x[0-9a-f]{40}$'`),
    check("treasury_owners_removed_both", sql`(${t.removedAt} IS NULL) = (${t.removedBy} IS NULL)`),
    check("treasury_owners_source", sql`${t.source} IN ('env', 'proposal', 'console')`),
  ],
);

/**
 * A proposed change of the owner set: an admin (or the CLI) proposes, owners sign
 * ChangeTreasuryOwner { action, owner, nonce, deadline } and the signature that reaches the quorum
 * enacts it in the same transaction. Nothing an admin does alone changes the set.
 */
export const treasuryOwnerProposals = pgTable(
  "treasury_owner_proposals",
  {
    id: text("id").primaryKey(),
    /** "add" or "remove". */
    action: text("action").notNull(),
    /** Lower-case 0x address of the owner added or removed. */
    address: text("address").notNull(),
    label: text("label"),
    /** bytes32 hex: the signed message carries it, so a signature fits this proposal only. */
    nonce: text("nonce").notNull().unique(),
    /** Signatures after it are refused (EIP-712 `deadline`, whole unix seconds). */
    deadline: timestamp("deadline", { withTimezone: true }).notNull(),
    /** "open" until a quorum enacts it ("enacted"). */
    state: text("state").notNull().default("open"),
    proposedBy: text("proposed_by").notNull(),
    proposedAt: timestamp("proposed_at", { withTimezone: true }).notNull().defaultNow(),
    enactedAt: timestamp("enacted_at", { withTimezone: true }),
  },
  (t) => [
    check("treasury_owner_proposals_action", sql`${t.action} IN ('add', 'remove')`),
    check("treasury_owner_proposals_state", sql`${t.state} IN ('open', 'enacted')`),
    check("treasury_owner_proposals_address_lower_hex", sql`${t.address} ~ '^0x[0-9a-f]{40}$'`),
    index("treasury_owner_proposals_proposed_idx").on(t.proposedAt.desc()),
  ],
);

/** One owner's signature of a proposal: one per signer per proposal, and a signature is used once. */
export const treasuryOwnerSignatures = pgTable(
  "treasury_owner_signatures",
  {
    proposalId: text("proposal_id")
      .notNull()
      .references(() => treasuryOwnerProposals.id),
    /** Lower-case recovered signer. */
    signer: text("signer").notNull(),
    /** Lower-case 65-byte hex. */
    signature: text("signature").notNull().unique(),
    /** Who submitted it (the console user or CLI actor). */
    submittedBy: text("submitted_by").notNull(),
    signedAt: timestamp("signed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.proposalId, t.signer] })],
);

/** One owner's RotatePayerWallet signature: the rotation is approved when a quorum of owners signed. */
export const payerRotationApprovals = pgTable(
  "payer_rotation_approvals",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    // No foreign key to payer_rotations: suites TRUNCATE payer_rotations alone, which a reference forbids.
    rotationId: text("rotation_id").notNull(),
    /** Lower-case recovered signer. */
    signer: text("signer").notNull(),
    /** Lower-case 65-byte hex: a signature is used once, on any rotation. */
    signature: text("signature").notNull().unique(),
    submittedBy: text("submitted_by").notNull(),
    signedAt: timestamp("signed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("payer_rotation_approvals_one_per_signer").on(t.rotationId, t.signer)],
);
