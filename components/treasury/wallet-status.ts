"use client";

import { useEffect, useState } from "react";

/**
 * What the treasury pages say about the connected wallet: its name in the person's words, and
 * when a wallet has stopped answering (a connect or chain switch still pending, or a switch it
 * reported done while its chain stayed wrong) so the page says what to do instead of waiting.
 */

/** How long a wallet request may stay unanswered, or a reported switch unseen, before the page says so. */
export const WALLET_STUCK_MS = 15_000;

interface NamedConnector {
  id: string;
  type: string;
  name: string;
}

type InjectedFlags = Partial<
  Record<"isRabby" | "isFrame" | "isCoinbaseWallet" | "isBraveWallet" | "isMetaMask", boolean>
>;

/** The browser wallet behind `window.ethereum`, by the flags wallets set (Rabby and Frame also set isMetaMask). */
function injectedName(): string | null {
  const ethereum = (globalThis as { ethereum?: InjectedFlags }).ethereum;
  if (!ethereum) return null;
  if (ethereum.isRabby) return "Rabby";
  if (ethereum.isFrame) return "Frame";
  if (ethereum.isCoinbaseWallet) return "Coinbase Wallet";
  if (ethereum.isBraveWallet) return "Brave Wallet";
  if (ethereum.isMetaMask) return "MetaMask";
  return null;
}

export { useHydrated } from "@/components/ui/use-hydrated";

/**
 * The connected wallet's name: "Demo wallet" for the demo's connector (wagmi calls it "Mock
 * Connector"), an EIP-6963 wallet's own name (its connector carries it), and for the generic
 * injected connector (wagmi's "Injected") the one wallet the browser announced or the one its
 * flags name, else "your browser wallet". `hydrated`: only then are they read.
 */
export function walletName(
  connector: NamedConnector | undefined,
  connectors: readonly NamedConnector[],
  hydrated: boolean,
): string {
  if (!connector) return "a wallet";
  if (connector.type === "mock") return "Demo wallet";
  if (connector.id !== "injected") return connector.name;
  // The browser's announced wallets and flags exist only in the browser: the server's markup (and
  // the hydrating render) says "your browser wallet", then the name.
  if (!hydrated) return "your browser wallet";
  const announced = connectors.filter((c) => c.type === "injected" && c.id !== "injected");
  if (announced.length === 1 && announced[0]) return announced[0].name;
  return injectedName() ?? "your browser wallet";
}

/**
 * True once `active` has held for `ms` without a break (UI state: a timer, reset when `active`
 * ends or `attempt` changes, as on Retry).
 */
export function useStuckAfter(active: boolean, attempt: number, ms = WALLET_STUCK_MS): boolean {
  const [stuckAt, setStuckAt] = useState<number | null>(null);
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(() => setStuckAt(attempt), ms);
    return () => clearTimeout(timer);
  }, [active, attempt, ms]);
  return active && stuckAt === attempt;
}
