import type { Metadata } from "next";
import { networkName } from "@/components/ledger/chain";
import { FundingsTable } from "@/components/treasury/fundings-table";
import { ConnectPanel, FundForm } from "@/components/treasury/wallet-lazy";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { recentFundings, walletSetup } from "@/lib/dal/fundings";
import { roleAtLeast } from "@/lib/payment-core/access/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Fund the payer wallet · x402 console" };

export default async function FundPage() {
  const user = await requireUser("viewer");
  const setup = await walletSetup();
  const fundings = await recentFundings();
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Fund the payer wallet">
        Send USDC on {networkName(setup.network)} from a wallet you connect to the payer wallet the agents pay
        from. The console follows the transfer until it has {setup.requiredConfirmations} confirmations
        (X402_FUNDING_CONFIRMATIONS), checks it again on chain, and records it in the audit log. See the{" "}
        {/* A document load, not client navigation: each treasury page has its own CSP. */}
        <a href="/treasury" className="text-blue-800 underline underline-offset-2">
          treasury
        </a>{" "}
        for the balance and runway.
      </PageHeader>
      <div className="grid gap-6 lg:grid-cols-2">
        <ConnectPanel />
        <section aria-label="Fund" className="flex flex-col gap-3 rounded-lg border border-slate-200 p-4">
          <FundForm canFund={roleAtLeast(user.role, "operator")} role={user.role} />
        </section>
      </div>
      <section aria-labelledby="fundings-title" className="flex flex-col gap-2">
        <h2 id="fundings-title" className="text-lg font-semibold">
          Recent fundings
        </h2>
        <FundingsTable rows={fundings} />
      </section>
      <section
        aria-labelledby="security-title"
        className="flex max-w-3xl flex-col gap-2 text-sm text-slate-800"
      >
        <h2 id="security-title" className="text-lg font-semibold">
          Wallet security
        </h2>
        <ul className="list-disc pl-5">
          <li>
            Fund from a hardware wallet (Ledger or Trezor) in production: the transfer is confirmed on the
            device.
          </li>
          <li>
            Keep the payer's key in a secrets manager, not in an .env file; keep only what the agents need in
            it and top it up from here.
          </li>
          <li>Rotate the payer key quarterly.</li>
          <li>
            Watch the alerts: a low balance (X402_LOW_BALANCE_USDC, $50 by default) and unexplained transfers
            out.
          </li>
        </ul>
      </section>
    </div>
  );
}
