import "server-only";
import { classifyError } from "@/lib/payment-core/errors";

/**
 * One chain read for a page (the overview's balance, the Treasury's balances), bounded in time
 * and never thrown: a missing configuration or a chain that does not answer is a state the page
 * shows. The reason shown is the error's code and viem's short message only: a full RPC error
 * can carry the RPC URL, which may hold an API key.
 */

export type ChainRead<T> = { ok: true; value: T } | { ok: false; code: string; reason: string };

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
