"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useState } from "react";
import { cookieToInitialState, WagmiProvider } from "wagmi";
import type { WalletSetup } from "@/lib/dal/fundings";
import { createWalletConfig } from "./wallet-config";

const SetupContext = createContext<WalletSetup | null>(null);

/** The server's wallet setup (configured chain, USDC, payer, confirmations) for treasury components. */
export function useWalletSetup(): WalletSetup {
  const setup = useContext(SetupContext);
  if (!setup) throw new Error("useWalletSetup outside TreasuryWalletProvider");
  return setup;
}

/**
 * wagmi for a treasury page. `cookie` is only the wagmi cookies of the request (the layout filters
 * them: the session cookie is httpOnly and never reaches the page's props), from which the first
 * render restores the connection the browser had, as the server rendered it.
 * Its own query client: the console's polls every 5 s, which wagmi's reads do not need.
 */
export function TreasuryWalletProvider({
  setup,
  cookie,
  children,
}: {
  setup: WalletSetup;
  cookie: string | null;
  children: ReactNode;
}) {
  const [config] = useState(() => createWalletConfig(setup));
  const [queryClient] = useState(() => new QueryClient());
  const initialState = cookieToInitialState(config, cookie);
  return (
    <SetupContext value={setup}>
      <WagmiProvider config={config} initialState={initialState}>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </WagmiProvider>
    </SetupContext>
  );
}
