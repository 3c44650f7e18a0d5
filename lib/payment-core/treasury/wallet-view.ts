import { DEFAULT_LOW_BALANCE_MICRO } from "../support/config";
import { classifyError, type ErrorCode } from "../support/errors";
import type { Micro } from "../support/money";

/**
 * The wallet as the console reads it, shared by every reader (the overview, /api/metrics,
 * `x402 monitor`), so they agree on the figure, the time limit and the reason shown.
 *
 * One chain read for a page (the overview's balance, the Treasury's balances), bounded in time
 * and never thrown: a missing configuration or a chain that does not answer is a state the page
 * shows. The reason shown is the error's code and viem's short message only: a full RPC error
 * can carry the RPC URL, which may hold an API key.
 */

export type ChainRead<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; reason: string };

export const CHAIN_TIMEOUT_MS = 3_000;

class ChainTimeout extends Error {}

export async function readChainBounded<T>(
  read: () => Promise<T>,
  options: { timeoutMs?: number /** "balance", "balances" */; what: string },
): Promise<ChainRead<T>> {
  const timeoutMs = options.timeoutMs ?? CHAIN_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const value = await Promise.race([
      read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ChainTimeout()), timeoutMs);
      }),
    ]);
    return { ok: true, value };
  } catch (error) {
    const known = classifyError(error);
    if (known?.kind === "operation") return { ok: false, code: known.code, reason: known.message };
    if (error instanceof ChainTimeout) {
      return {
        ok: false,
        code: "chain_timeout",
        reason: `the chain RPC did not answer within ${timeoutMs / 1000} s`,
      };
    }
    const short = (error as { shortMessage?: unknown }).shortMessage;
    const detail = typeof short === "string" ? short : "";
    console.error(
      `wallet ${options.what} unavailable (${(error as Error).name}${detail ? `: ${detail}` : ""})`,
    );
    return {
      ok: false,
      code: "chain_unavailable",
      reason: `could not read the ${options.what} from the chain${detail ? `: ${detail}` : ""}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The payer wallet's balance as the console shows it, or why it is unavailable. */
export type WalletView =
  | {
      available: true;
      address: string;
      network: string;
      balanceMicro: string;
      low: boolean;
      lowThresholdMicro: string;
      readAt: string;
    }
  | { available: false; code: ErrorCode; reason: string; lowThresholdMicro: string };

/**
 * The payer wallet's balance, or why it is unavailable (readChainBounded: bounded in time, never
 * thrown, no RPC URL in the reason).
 */
export async function readWalletView(
  getBalance: () => Promise<{ address: string; balanceMicro: Micro; network: string }>,
  options: { timeoutMs?: number; now?: () => Date; lowBalanceMicro?: Micro } = {},
): Promise<WalletView> {
  const lowBalanceMicro = options.lowBalanceMicro ?? DEFAULT_LOW_BALANCE_MICRO;
  const lowThresholdMicro = lowBalanceMicro.toString();
  const read = await readChainBounded(getBalance, { timeoutMs: options.timeoutMs, what: "balance" });
  if (!read.ok) return { available: false, code: read.code, reason: read.reason, lowThresholdMicro };
  const balance = read.value;
  return {
    available: true,
    address: balance.address,
    network: balance.network,
    balanceMicro: balance.balanceMicro.toString(),
    low: balance.balanceMicro < lowBalanceMicro,
    lowThresholdMicro,
    readAt: (options.now ?? (() => new Date()))().toISOString(),
  };
}
