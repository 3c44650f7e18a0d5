import type { ReactNode } from "react";
import { TreasuryWalletLayout } from "@/components/treasury/wallet-layout";

/** The owner's approval is signed in a connected wallet: this route loads wagmi, as funding does. */
export default function RotateLayout({ children }: { children: ReactNode }) {
  return <TreasuryWalletLayout>{children}</TreasuryWalletLayout>;
}
