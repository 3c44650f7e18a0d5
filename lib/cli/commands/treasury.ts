import type { Command } from "commander";
import {
  openRotation,
  proveRotation,
  type Rotation,
  registerRotation,
  signProof,
} from "@/lib/payment-core/treasury/rotation";
import { approveRotation } from "@/lib/payment-core/treasury/rotation-approval";
import { rotationDeps } from "@/lib/payment-core/treasury/rotation-deps";
import {
  cancelRotation,
  completeRotation,
  sweepRotation,
  testPayment,
} from "@/lib/payment-core/treasury/rotation-money";
import { rotationStatus } from "@/lib/payment-core/treasury/rotation-status";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { mutating } from "../auth";
import { CliFailure, type CommandKit, type Context, withDb } from "../context";
import { registerTreasuryOwners } from "./treasury-owners";

/**
 * `x402 treasury rotate <step>`: the payer-key rotation from a shell, one step per command, through
 * the same domain functions as the console's page. Every step acts on the open rotation (there is
 * at most one), so a step run again after an interruption continues where it stood.
 */

function line(r: Rotation): string {
  return `Rotation ${r.id}: ${r.state} (${r.oldWallet} → ${r.newWallet})\n`;
}

async function current(ctx: Context): Promise<Rotation> {
  const open = await openRotation(ctx.db);
  if (!open)
    throw new CliFailure(
      "rotation_not_open",
      "no rotation is in progress: start one with `x402 treasury rotate register`",
    );
  return open;
}

function deps(ctx: Context) {
  return rotationDeps(ctx.db, ctx.env, ctx.env, createPaymentService(ctx.db, ctx.env));
}

export function registerTreasury(program: Command, { sub, print }: CommandKit): void {
  const treasury = sub(program, "treasury").description("the payer wallet's treasury operations");
  registerTreasuryOwners(treasury, { sub, print });
  const rotate = sub(treasury, "rotate").description("rotate the payer key, step by step (status first)");
  const step = (name: string, description: string) => sub(rotate, name).description(description);
  // Every step but status changes the rotation: an admin, signed in (or --break-glass).
  const change = (name: string, description: string) => mutating(step(name, description));

  step("status", "the rotation in progress, its next step and what to sign; the history").action(
    async (_o: unknown, cmd: Command) =>
      withDb(async (ctx) => {
        const s = await rotationStatus(ctx.db, ctx.env.payments.chainId);
        print(cmd, s, () => {
          const head = s.open
            ? `${line(s.open.rotation)}Next step: ${s.open.nextStep}\n${
                s.open.approvals.length > 0
                  ? `Approvals so far: ${s.open.approvals.map((a) => a.signer).join(", ")}\n`
                  : ""
              }`
            : "No rotation in progress.\n";
          const age = s.lastRotationAgeDays === null ? "unknown" : `${s.lastRotationAgeDays} days`;
          return `${head}Payer key age: ${age}\nRotations: ${s.history.length}\n`;
        });
      }),
  );

  change(
    "register",
    "register the new payer wallet: its address and its key's reference (env:VAR or file:/path)",
  )
    .requiredOption("--address <address>", "the new payer wallet")
    .requiredOption(
      "--key-ref <ref>",
      "where its key lives: env:VAR_NAME or file:/absolute/path (never the key)",
    )
    .action(async (opts: { address: string; keyRef: string }, cmd: Command) =>
      withDb(
        async (ctx) => {
          const r = await registerRotation(deps(ctx), {
            newAddress: opts.address,
            keyRef: opts.keyRef,
            actor: ctx.actor,
          });
          print(cmd, r, () => line(r));
        },
        { as: { operation: "treasury.rotation", cmd } },
      ),
    );

  change("prove", "the new wallet signs ProvePayerControl (with --signature, or here with its key reference)")
    .option("--signature <hex>", "a signature made elsewhere")
    .action(async (opts: { signature?: string }, cmd: Command) =>
      withDb(
        async (ctx) => {
          const d = deps(ctx);
          const open = await current(ctx);
          const signature = opts.signature ?? (await signProof(d, open.id));
          const r = await proveRotation(d, { rotationId: open.id, signature, actor: ctx.actor });
          print(cmd, r, () => line(r));
        },
        { as: { operation: "treasury.rotation", cmd } },
      ),
    );

  change(
    "approve",
    "add one treasury owner's RotatePayerWallet signature (see status); a quorum of owners approves",
  )
    .requiredOption("--signature <hex>", "the owner's EIP-712 signature")
    .action(async (opts: { signature: string }, cmd: Command) =>
      withDb(
        async (ctx) => {
          const open = await current(ctx);
          const r = await approveRotation(deps(ctx), {
            rotationId: open.id,
            signature: opts.signature,
            actor: ctx.actor,
          });
          print(cmd, r, () =>
            r.state === "approved"
              ? `${line(r)}Approved: ${r.signed} of ${r.quorum} owners signed (last ${r.signer})\n`
              : `${line(r)}Signed by ${r.signer}: ${r.signed} of ${r.quorum} owners; another owner must sign\n`,
          );
        },
        { as: { operation: "treasury.rotation", cmd } },
      ),
    );

  change("test-payment", "a real x402 purchase from the new wallet, charged to --agent")
    .requiredOption("--agent <id>", "the agent whose budget and ledger the test purchase goes to")
    .requiredOption("--url <url>", "the vendor resource to buy (a demo vendor)")
    .action(async (opts: { agent: string; url: string }, cmd: Command) =>
      withDb(
        async (ctx) => {
          const open = await current(ctx);
          const r = await testPayment(deps(ctx), {
            rotationId: open.id,
            agentId: opts.agent,
            url: opts.url,
            actor: ctx.actor,
          });
          print(cmd, r, () => `${line(r)}Test payment: ${r.testPaymentTxId}\n`);
        },
        { as: { operation: "treasury.rotation", cmd } },
      ),
    );

  for (const [name, description, fn] of [
    [
      "sweep",
      "resolve the old wallet's open authorizations, then move its USDC to the new wallet",
      sweepRotation,
    ],
    ["complete", "retire the old wallet; the new one becomes the payer", completeRotation],
    ["cancel", "abandon the rotation (only before the sweep)", cancelRotation],
  ] as const) {
    change(name, description).action(async (_o: unknown, cmd: Command) =>
      withDb(
        async (ctx) => {
          const open = await current(ctx);
          const r = await fn(deps(ctx), { rotationId: open.id, actor: ctx.actor });
          print(cmd, r, () => line(r));
        },
        { as: { operation: "treasury.rotation", cmd } },
      ),
    );
  }
}
