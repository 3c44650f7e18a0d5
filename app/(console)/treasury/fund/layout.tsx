import type { ReactNode } from "react";
import { TreasuryWalletLayout } from "@/components/treasury/wallet-layout";

export default function FundLayout({ children }: { children: ReactNode }) {
  return <TreasuryWalletLayout>{children}</TreasuryWalletLayout>;
}
