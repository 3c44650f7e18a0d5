import "server-only";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { walletSetup } from "@/lib/dal/fundings";
import { TreasuryWalletSession } from "./wallet-session";

/**
 * The wallet for one treasury route (funding, rotation, owners): its code loads when the person
 * connects (wallet-session.tsx), never with the page's first scripts nor on the console's other
 * pages. The wallet's connection comes back from wagmi's cookies, passed
 * on as the browser wrote them (raw: wagmi parses its own format) and only those: the session
 * cookie stays on the server.
 */
export async function TreasuryWalletLayout({ children }: { children: ReactNode }) {
  const wagmiCookies = ((await headers()).get("cookie") ?? "")
    .split("; ")
    .filter((part) => part.startsWith("wagmi."))
    .join("; ");
  return (
    <TreasuryWalletSession setup={await walletSetup()} cookie={wagmiCookies || null}>
      {children}
    </TreasuryWalletSession>
  );
}
