import type { Command } from "commander";
import {
  addOwner,
  listOwners,
  ownerDeps,
  removeOwner,
  type TreasuryOwner,
} from "@/lib/payment-core/treasury/owners";
import { mutating } from "../auth";
import { type CommandKit, withDb } from "../context";

/**
 * `x402 treasury owners list|add|remove`: the wallets whose signature approves a payer-key
 * rotation. X402_TREASURY_OWNERS are listed as source "env" and changed only in the environment;
 * the others are the console's, added and removed here or on /treasury/owners, each audited.
 * Shell access to the database is the admin's, as for `x402 users add`.
 */

function ownerLine(o: TreasuryOwner): string {
  const label = o.label ? ` "${o.label}"` : "";
  const added = o.addedBy ? ` added by ${o.addedBy} at ${o.addedAt}` : " (X402_TREASURY_OWNERS)";
  return `${o.address}${label} [${o.source}]${added}\n`;
}

export function registerTreasuryOwners(treasury: Command, { sub, print }: CommandKit): void {
  const owners = sub(treasury, "owners").description(
    "treasury owners: the wallets whose EIP-712 signature approves a payer-key rotation",
  );

  sub(owners, "list")
    .description("every owner: X402_TREASURY_OWNERS (env) and those added in the console")
    .action(async (_o: unknown, cmd: Command) =>
      withDb(async (ctx) => {
        const list = await listOwners(ctx.db, ctx.env.treasuryOwners);
        print(cmd, { owners: list }, () =>
          list.length === 0
            ? "No treasury owners: no rotation can be approved. Add one with `x402 treasury owners add`.\n"
            : list.map(ownerLine).join(""),
        );
      }),
    );

  mutating(sub(owners, "add"))
    .description("add an owner (audited); a payer wallet is refused")
    .requiredOption("--address <address>", "the owner's wallet (0x, 20 bytes)")
    .option("--label <label>", "who or what it is (a hardware wallet, a person)")
    .action(async (opts: { address: string; label?: string }, cmd: Command) =>
      withDb(
        async (ctx) => {
          const owner = await addOwner(ownerDeps(ctx.db, ctx.env), {
            address: opts.address,
            label: opts.label,
            actor: ctx.actor,
          });
          print(cmd, { owner }, () => `Added ${ownerLine(owner)}`);
        },
        { as: { operation: "treasury.owners", cmd } },
      ),
    );

  mutating(sub(owners, "remove"))
    .description("remove an owner added in the console (audited; the history stays)")
    .requiredOption("--address <address>", "the owner's wallet")
    .action(async (opts: { address: string }, cmd: Command) =>
      withDb(
        async (ctx) => {
          const owner = await removeOwner(ownerDeps(ctx.db, ctx.env), {
            address: opts.address,
            actor: ctx.actor,
          });
          print(cmd, { removed: owner }, () => `Removed ${owner.address}: its approval no longer counts.\n`);
        },
        { as: { operation: "treasury.owners", cmd } },
      ),
    );
}
