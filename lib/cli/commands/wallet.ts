import type { Command } from "commander";
import { type Address, formatEther } from "viem";
import type { Database } from "@/db/client";
import type { AppEnv } from "@/lib/env";
import { NETWORKS, type NetworkId } from "@/lib/payment-core/config";
import { readServerConfig } from "@/lib/payment-core/server-config";
import { currentPayerAddress, envPayerAddress } from "@/lib/payment-core/treasury/payer-wallet";
import { getRunway, type RateRunway } from "@/lib/payment-core/treasury/runway";
import { runwayLines } from "@/lib/payment-core/treasury/runway-text";
import { readWalletBalances, type WalletBalances, walletClient } from "@/lib/payment-core/treasury/wallet";
import { CliFailure, type CommandKit, withDb } from "../context";
import { usd, usdc6 } from "../format";

/**
 * `x402 wallet` (address, balances, runway) and `x402 wallet balance` (balances only): the payer
 * wallet, read from the chain with viem. The wallet, USDC contract and network are those the
 * serving console recorded at its start; the RPC URL is the recorded one when it is the local
 * chain, otherwise this shell's X402_RPC_URL (for that network) or the network's public endpoint.
 * Without a recorded configuration, this shell's X402_* settings. After a payer-key rotation the
 * address is the active payer wallet's (currentPayerAddress).
 */

interface Target {
  source: "server" | "local";
  network: string;
  address: Address;
  usdc: Address;
  rpcUrl: string;
}

async function resolveTarget(db: Database, env: AppEnv): Promise<Target> {
  const recorded = await readServerConfig(db);
  const p = env.payments;
  const localAddress = envPayerAddress(p);
  const target = recorded
    ? {
        source: "server" as const,
        network: recorded.wallet.network,
        address: recorded.wallet.walletAddress,
        usdc: recorded.wallet.usdcAddress,
        rpcUrl:
          recorded.wallet.rpcUrl ??
          (p.network === recorded.wallet.network
            ? p.rpcUrl
            : (NETWORKS[recorded.wallet.network as NetworkId]?.rpcUrl ?? p.rpcUrl)),
      }
    : {
        source: "local" as const,
        network: p.network,
        address: localAddress,
        usdc: p.usdcAddress ?? null,
        rpcUrl: p.rpcUrl,
      };
  // The payer now: the active payer wallet (a rotation completed after the console started
  // replaced the recorded address), else the recorded or this shell's address. Never a retired one.
  const address = await currentPayerAddress(db, target.address as Address | null);
  if (!address || !target.usdc) {
    throw new CliFailure(
      "wallet_not_configured",
      target.source === "server"
        ? "the console records no payer wallet or USDC address (set X402_WALLET_ADDRESS or X402_PAYER_PRIVATE_KEY, and X402_USDC_ADDRESS, for the console)"
        : "no console has recorded its wallet in this database: start it, or set X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY) and X402_USDC_ADDRESS here",
    );
  }
  return { ...target, address, usdc: target.usdc as Address };
}

async function readBalances(target: Target): Promise<WalletBalances> {
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

function walletJson(target: Target, balances: WalletBalances) {
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

const sourceNote = (target: Target) =>
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
            runway: {
              at: runway.at.toISOString(),
              low_balance: usdc6(lowBalanceMicro),
              below_low_balance: runway.belowLowLine,
              open_payments: usdc6(runway.openMicro),
              available: usdc6(runway.availableMicro),
              last_24h: rateJson(runway.day),
              last_7d: rateJson(runway.week),
            },
          },
          () =>
            [
              `Wallet balance: ${usd(balances.usdcMicro)}${runway.belowLowLine ? ` (LOW: below ${usd(lowBalanceMicro)})` : ""}`,
              `Address: ${target.address}`,
              `Network: ${target.network}${sourceNote(target)}`,
              `Gas (ETH): ${formatEther(balances.gasWei)}`,
              ...(runway.openMicro > 0n
                ? [
                    `Open payments: ${usd(runway.openMicro)} (the runway starts from ${usd(runway.availableMicro)})`,
                  ]
                : []),
              ...runwayLines(runway),
              "",
            ].join("\n"),
        );
      }),
    );
  sub(wallet, "balance")
    .description("USDC and ETH of the payer wallet, from the chain")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(async ({ db, env }) => {
        const target = await resolveTarget(db, env);
        const balances = await readBalances(target);
        print(
          cmd,
          walletJson(target, balances),
          () =>
            `Payer wallet ${target.address} on ${target.network}${sourceNote(target)}\n  USDC  ${usd(balances.usdcMicro)}\n  ETH   ${formatEther(balances.gasWei)}\n`,
        );
      }),
    );
}
