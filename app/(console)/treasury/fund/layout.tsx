import { headers } from "next/headers";
import type { ReactNode } from "react";
import { TreasuryWalletProvider } from "@/components/treasury/wallet-provider";
import { walletSetup } from "@/lib/dal/fundings";

/**
 * wagmi for the Fund page only: its code loads with this route, never with the console's other
 * pages. The wallet's connection comes back from wagmi's cookies, passed on as the browser wrote
 * them (raw: wagmi parses its own format) and only those: the session cookie stays on the server.
 */
export default async function FundLayout({ children }: { children: ReactNode }) {
  const wagmiCookies = ((await headers()).get("cookie") ?? "")
    .split("; ")
    .filter((part) => part.startsWith("wagmi."))
    .join("; ");
  return (
    <TreasuryWalletProvider setup={await walletSetup()} cookie={wagmiCookies || null}>
      {children}
    </TreasuryWalletProvider>
  );
}
