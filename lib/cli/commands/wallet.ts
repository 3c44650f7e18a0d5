import type { Command } from "commander";
import { formatEther } from "viem";
import type { Database } from "@/db/client";
import type { AppEnv } from "@/lib/env";
import { classifyError } from "@/lib/payment-core/support/errors";
import { formatEth } from "@/lib/payment-core/support/money";
import { getRunway, type RateRunway, type Runway } from "@/lib/payment-core/treasury/runway";
import { runwayLines, runwaySummary } from "@/lib/payment-core/treasury/runway-text";
import { readWalletBalances, type WalletBalances, walletClient } from "@/lib/payment-core/treasury/wallet";
import { CliFailure, type CommandKit, withDb } from "../context";
import { formatMoney, usdc6 } from "../format";
import { resolveWalletTarget, type WalletTarget } from "../wallet-target";

/**
 * `x402 wallet` (address, balances, runway) and `x402 wallet balance` (balances only): the payer
 * wallet, read from the chain with viem. The wallet, USDC contract and network are those the
 * serving console recorded at its start; the RPC URL is the recorded one when it is the local
 * chain, otherwise this shell's X402_RPC_URL (for that network) or the network's public endpoint.
 * Without a recorded configuration, this shell's X402_* settings. After a payer-key rotation the
 * address is the active payer wallet's (currentPayerAddress).
 */

async function resolveTarget(db: Database, env: AppEnv): Promise<WalletTarget> {
  try {
    return await resolveWalletTarget(db, env);
  } catch (error) {
    const known = classifyError(error);
    if (known?.kind === "operation") throw new CliFailure(known.code, known.message);
    throw error;
  }
}

async function readBalances(target: WalletTarget): Promise<WalletBalances> {
  try {
    return await readWalletBalances(walletClient(target.rpcUrl), {
      address: target.address,
      usdcAddress: target.usdc,
    });
  } catch (error) {
    // viem's full message names the RPC URL, which can carry an API key: only its short form.
    const short = (error as { shortMessage?: string }).shortMessage ?? "the chain did not answer";
    throw new CliFailure("chain_unavailable", `could not read the balance: ${short}`);
  }
}

function walletJson(target: WalletTarget, balances: WalletBalances) {
  return {
    address: target.address,
    network: target.network,
    usdc_address: target.usdc,
    usdc: usdc6(balances.usdcMicro),
    eth: formatEther(balances.gasWei),
    source: target.source,
  };
}

function rateJson(rate: RateRunway) {
  return {
    window_hours: rate.windowHours,
    spent: usdc6(rate.spentMicro),
    per_hour: usdc6(rate.perHourMicro),
    hours_left: rate.hoursLeft?.toString() ?? null,
    days_left: rate.daysLeft?.toString() ?? null,
    low_line: rate.lowLine,
    low_line_at: rate.lowLineAt?.toISOString() ?? null,
  };
}

function runwayJson(runway: Runway, lowBalanceMicro: bigint) {
  return {
    at: runway.at.toISOString(),
    low_balance: usdc6(lowBalanceMicro),
    below_low_balance: runway.belowLowLine,
    open_payments: usdc6(runway.openMicro),
    available: usdc6(runway.availableMicro),
    last_24h: rateJson(runway.day),
    last_7d: rateJson(runway.week),
  };
}

const sourceNote = (target: WalletTarget) =>
  target.source === "server" ? " (as the console records it)" : " (this shell's configuration)";

export function registerWallet(program: Command, { sub, print }: CommandKit): void {
  const wallet = sub(program, "wallet")
    .description("the payer wallet: address, USDC and gas balances, and the runway at recent spend")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(async ({ db, env }) => {
        const target = await resolveTarget(db, env);
        const balances = await readBalances(target);
        const lowBalanceMicro = env.alerts.lowBalanceMicro;
        const runway = await getRunway(db, { balanceMicro: balances.usdcMicro, lowBalanceMicro });
        print(
          cmd,
          {
            ...walletJson(target, balances),
            runway: runwayJson(runway, lowBalanceMicro),
          },
          () =>
            [
              `Wallet balance: ${formatMoney(balances.usdcMicro)}${runway.belowLowLine ? ` (LOW: below ${formatMoney(lowBalanceMicro)})` : ""}`,
              `Address: ${target.address}`,
              `Network: ${target.network}${sourceNote(target)}`,
              `Gas (ETH): ${formatEth(balances.gasWei)}`,
              ...(runway.openMicro > 0n
                ? [
                    `Open payments: ${formatMoney(runway.openMicro)} (the runway starts from ${formatMoney(runway.availableMicro)})`,
                  ]
                : []),
              ...runwayLines(runway),
              "",
            ].join("\n"),
        );
      }),
    );
  sub(wallet, "balance")
    .description("USDC and ETH of the payer wallet, from the chain, and the runway at recent spend")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(async ({ db, env }) => {
        const target = await resolveTarget(db, env);
        const balances = await readBalances(target);
        const lowBalanceMicro = env.alerts.lowBalanceMicro;
        const runway = await getRunway(db, { balanceMicro: balances.usdcMicro, lowBalanceMicro });
        print(
          cmd,
          { ...walletJson(target, balances), runway: runwayJson(runway, lowBalanceMicro) },
          () =>
            `Payer wallet ${target.address} on ${target.network}${sourceNote(target)}\n  USDC  ${formatMoney(balances.usdcMicro)}\n  ETH   ${formatEth(balances.gasWei)}\n${runwaySummary(runway)}\n`,
        );
      }),
    );
}
