import type { Command } from "commander";
import {
  listProposals,
  type ProposalView,
  proposeOwnerChange,
  signOwnerProposal,
} from "@/lib/payment-core/treasury/owner-proposals";
import {
  ensureOwnerSet,
  listOwners,
  ownerDeps,
  recordInitialOwners,
  type TreasuryOwner,
} from "@/lib/payment-core/treasury/owners";
import { mutating } from "../auth";
import { type CommandKit, withDb } from "../context";

/**
 * `x402 treasury owners list|proposals|propose-add|propose-remove|sign`: the wallets whose
 * signatures (a quorum of them) approve a payer-key rotation and every change of this set.
 * X402_TREASURY_OWNERS is recorded once as the initial set; after that a change is a proposal
 * that owners sign, and the signature reaching the quorum enacts it. Proposing alone changes nothing.
 */

function ownerLine(o: TreasuryOwner): string {
  const label = o.label ? ` "${o.label}"` : "";
  const via = o.proposalId ? ` by proposal ${o.proposalId}` : "";
  return `${o.address}${label} [${o.source}] added by ${o.addedBy}${via} at ${o.addedAt}\n`;
}

function proposalLine(p: ProposalView): string {
  const who = p.signatures.map((s) => s.signer).join(", ") || "nobody yet";
  return `${p.id}: ${p.action} ${p.address} — ${p.status}, ${p.signed} of ${p.quorum} signatures (${who}); proposed by ${p.proposedBy}, deadline ${p.deadline}\n`;
}

export function registerTreasuryOwners(treasury: Command, { sub, print }: CommandKit): void {
  const owners = sub(treasury, "owners").description(
    "treasury owners: a quorum of their EIP-712 signatures approves a rotation or an owner change",
  );

  sub(owners, "list")
    .description("the recorded owners and the quorum (X402_TREASURY_OWNERS is only the initial set)")
    .action(async (_o: unknown, cmd: Command) =>
      withDb(async (ctx) => {
        const { warning } = await recordInitialOwners(ctx.db, ctx.env);
        const set = await ensureOwnerSet(ctx.db, ctx.env);
        const list = await listOwners(ctx.db);
        print(cmd, { owners: list, quorum: set.quorum, warning }, () =>
          list.length === 0
            ? "No treasury owners recorded: set X402_TREASURY_OWNERS (recorded once, as the initial set).\n"
            : `${list.map(ownerLine).join("")}Quorum: ${set.quorum} of ${list.length}\n${warning ? `Warning: ${warning}\n` : ""}`,
        );
      }),
    );

  sub(owners, "proposals")
    .description(
      "owner changes proposed, newest first, with their signatures so far and what to sign (--json)",
    )
    .action(async (_o: unknown, cmd: Command) =>
      withDb(async (ctx) => {
        await ensureOwnerSet(ctx.db, ctx.env);
        const list = await listProposals(ctx.db, ctx.env, ctx.env.payments.chainId);
        print(cmd, { proposals: list }, () =>
          list.length === 0 ? "No owner change was proposed.\n" : list.map(proposalLine).join(""),
        );
      }),
    );

  for (const action of ["add", "remove"] as const) {
    const c = mutating(sub(owners, `propose-${action}`))
      .description(
        action === "add"
          ? "propose adding an owner (a payer wallet is refused); owners then sign it"
          : "propose removing an owner (refused if fewer owners than the quorum would remain)",
      )
      .requiredOption("--address <address>", "the owner's wallet (0x, 20 bytes)");
    if (action === "add") c.option("--label <label>", "who or what it is (a hardware wallet, a person)");
    c.action(async (opts: { address: string; label?: string }, cmd: Command) =>
      withDb(
        async (ctx) => {
          const p = await proposeOwnerChange(ownerDeps(ctx.db, ctx.env), {
            action,
            address: opts.address,
            label: opts.label,
            actor: ctx.actor,
          });
          const [view] = (await listProposals(ctx.db, ctx.env, ctx.env.payments.chainId)).filter(
            (v) => v.id === p.id,
          );
          print(cmd, { proposal: view }, () =>
            view
              ? `Proposed ${proposalLine(view)}Owners sign ChangeTreasuryOwner (x402 treasury owners proposals --json) and submit with x402 treasury owners sign --proposal ${p.id} --signature 0x…\n`
              : `Proposed ${p.id}\n`,
          );
        },
        { as: { operation: "treasury.owners", cmd } },
      ),
    );
  }

  mutating(sub(owners, "sign"))
    .description(
      "submit one owner's ChangeTreasuryOwner signature; the one reaching the quorum enacts the change",
    )
    .requiredOption("--proposal <id>", "the proposal (x402 treasury owners proposals)")
    .requiredOption("--signature <hex>", "the owner's EIP-712 signature")
    .action(async (opts: { proposal: string; signature: string }, cmd: Command) =>
      withDb(
        async (ctx) => {
          const out = await signOwnerProposal(ownerDeps(ctx.db, ctx.env), {
            proposalId: opts.proposal,
            signature: opts.signature,
            actor: ctx.actor,
          });
          print(cmd, out, () =>
            out.enacted
              ? `Signed by ${out.signer}: ${out.signed} of ${out.quorum}. Enacted: ${out.proposal.action} ${out.enacted.address}\n`
              : `Signed by ${out.signer}: ${out.signed} of ${out.quorum} signatures; not enacted yet.\n`,
          );
        },
        { as: { operation: "treasury.owners", cmd } },
      ),
    );
}
