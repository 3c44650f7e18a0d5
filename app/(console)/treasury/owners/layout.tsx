import type { ReactNode } from "react";
import { TreasuryWalletLayout } from "@/components/treasury/wallet-layout";

/** Owners sign proposed owner changes in a connected wallet: this route loads wagmi, as rotation does. */
export default function OwnersLayout({ children }: { children: ReactNode }) {
  return <TreasuryWalletLayout>{children}</TreasuryWalletLayout>;
}
