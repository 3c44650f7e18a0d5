"use client";

import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import type { WalletSetup } from "@/lib/dal/fundings";

/** The wallet code (wagmi, viem, the connectors and the forms that use them), one chunk. */
type WalletBundle = typeof import("./wallet-bundle");

/** Which connector the person chose on the placeholder, so the loaded panel connects with it. */
export type ConnectorChoice = "mock" | "injected" | "coinbaseWalletSDK" | "walletConnect";

interface WalletSession {
  setup: WalletSetup;
  /** The wallet code, once loaded; null before "Connect". */
  bundle: WalletBundle | null;
  loading: boolean;
  /** The connector chosen before the code arrived, connected once (then cleared). */
  choice: ConnectorChoice | null;
  clearChoice: () => void;
  /** Load the wallet code (and connect with `choice` when given). */
  activate: (choice?: ConnectorChoice) => void;
}

const SessionContext = createContext<WalletSession | null>(null);

export function useWalletSession(): WalletSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useWalletSession outside TreasuryWalletSession");
  return session;
}

/** wagmi's cookies say a wallet was connected on this browser: reconnect it after the page loads. */
export function hadConnection(cookie: string | null): boolean {
  if (!cookie) return false;
  let text = cookie;
  try {
    text = decodeURIComponent(cookie);
  } catch {
    // A malformed cookie is read as it is.
  }
  return /"current":"[^"]+"/.test(text) || /\.connected=true/.test(text);
}

/**
 * A treasury page's wallet, loaded on demand: the page renders and becomes interactive without
 * any wallet code (wagmi, viem and the connectors are ~100 KB gzipped); "Connect" (or a wallet
 * connected on an earlier visit, from wagmi's cookies) loads it and wraps the page in the wagmi
 * provider. Until then each wallet component shows its placeholder (`wallet-lazy.tsx`).
 */
export function TreasuryWalletSession({
  setup,
  cookie,
  children,
}: {
  setup: WalletSetup;
  cookie: string | null;
  children: ReactNode;
}) {
  const [bundle, setBundle] = useState<WalletBundle | null>(null);
  const [loading, setLoading] = useState(false);
  const [choice, setChoice] = useState<ConnectorChoice | null>(null);
  const activate = useCallback((wanted?: ConnectorChoice) => {
    if (wanted) setChoice(wanted);
    setLoading(true);
    void import("./wallet-bundle").then((loaded) => {
      setBundle(loaded);
      setLoading(false);
    });
  }, []);
  const clearChoice = useCallback(() => setChoice(null), []);
  useEffect(() => {
    if (hadConnection(cookie)) activate();
  }, [cookie, activate]);
  const session: WalletSession = { setup, bundle, loading, choice, clearChoice, activate };
  return (
    <SessionContext value={session}>
      {bundle ? (
        <bundle.TreasuryWalletProvider setup={setup} cookie={cookie}>
          {children}
        </bundle.TreasuryWalletProvider>
      ) : (
        children
      )}
    </SessionContext>
  );
}
