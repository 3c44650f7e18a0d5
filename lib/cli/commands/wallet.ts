import type { Command } from "commander";
import { type Address, createPublicClient, formatEther, http, type PublicClient } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { NETWORKS, type NetworkId } from "@/lib/payment-core/config";
import { readServerConfig } from "@/lib/payment-core/server-config";
import { getUsdcBalance } from "@/lib/payment-core/x402/usdc";
import { CliFailure, type CommandKit, withDb } from "../context";
import { usd, usdc6 } from "../format";

/**
 * `x402 wallet balance`: USDC and ETH (gas) of the payer wallet, read from the chain with viem.
 * The wallet, USDC contract and network are those the serving console recorded at its start;
 * the RPC URL is the recorded one when it is the local chain, otherwise this shell's
 * X402_RPC_URL (for that network) or the network's public endpoint. Without a recorded
 * configuration, this shell's X402_* settings.
 */
export function registerWallet(program: Command, { sub, print }: CommandKit): void {
  const wallet = sub(program, "wallet").description("the payer wallet");
  sub(wallet, "balance")
    .description("USDC and ETH of the payer wallet, from the chain")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(async ({ db, env }) => {
        const recorded = await readServerConfig(db);
        const p = env.payments;
        const localAddress =
          p.walletAddress ?? (p.payerPrivateKey ? privateKeyToAddress(p.payerPrivateKey) : null);
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
        if (!target.address || !target.usdc) {
          throw new CliFailure(
            "wallet_not_configured",
            target.source === "server"
              ? "the console records no payer wallet or USDC address (set X402_WALLET_ADDRESS or X402_PAYER_PRIVATE_KEY, and X402_USDC_ADDRESS, for the console)"
              : "no console has recorded its wallet in this database: start it, or set X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY) and X402_USDC_ADDRESS here",
          );
        }
        const client = createPublicClient({
          transport: http(target.rpcUrl, { timeout: 10_000 }),
        }) as PublicClient;
        let usdcMicro: bigint;
        let wei: bigint;
        try {
          [usdcMicro, wei] = await Promise.all([
            getUsdcBalance(client, target.usdc as Address, target.address as Address),
            client.getBalance({ address: target.address as Address }),
          ]);
        } catch (error) {
          // viem's full message names the RPC URL, which can carry an API key: only its short form.
          const short = (error as { shortMessage?: string }).shortMessage ?? "the chain did not answer";
          throw new CliFailure("chain_unavailable", `could not read the balance: ${short}`);
        }
        const data = {
          address: target.address,
          network: target.network,
          usdc_address: target.usdc,
          usdc: usdc6(usdcMicro),
          eth: formatEther(wei),
          source: target.source,
        };
        print(
          cmd,
          data,
          () =>
            `Payer wallet ${target.address} on ${target.network}${target.source === "server" ? " (as the console records it)" : " (this shell's configuration)"}\n  USDC  ${usd(usdcMicro)}\n  ETH   ${formatEther(wei)}\n`,
        );
      }),
    );
}
