import type { Metadata } from "next";
import { QRCodeSVG } from "qrcode.react";
import { networkName } from "@/components/ledger/chain";
import { ChainValue } from "@/components/ledger/chain-value";
import { RateRunwayFacts } from "@/components/treasury/runway-facts";
import { buttonClass } from "@/components/ui/button-class";
import { Card, Fact, Facts } from "@/components/ui/facts";
import { PageHeader } from "@/components/ui/page-header";
import { Money } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import { requireUser } from "@/lib/auth/session";
import { getTreasury, type TreasuryView } from "@/lib/dal/treasury";
import { formatEth } from "@/lib/payment-core/support/money";
import { toWire } from "@/lib/wire";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Treasury · x402 console" };

/** A state the page cannot fill in (no wallet, no chain): what is wrong, and its stable code. */
function Notice({ title, reason, code }: { title: string; reason: string; code: string }) {
  return (
    <div className="flex flex-col gap-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
      <p className="font-medium">{title}</p>
      <p>{reason}</p>
      <p className="font-mono text-xs">{code}</p>
    </div>
  );
}

function WalletCard({ wallet }: { wallet: Extract<TreasuryView["wallet"], { configured: true }> }) {
  return (
    <Card title="Payer wallet">
      <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
        <QRCodeSVG
          value={wallet.address}
          size={144}
          marginSize={2}
          title={`QR code of the payer address ${wallet.address}`}
          role="img"
          aria-label={`QR code of the payer address ${wallet.address}`}
          className="shrink-0 self-center rounded border border-slate-200 sm:self-start"
        />
        <dl className="min-w-0 flex-1 divide-y divide-slate-100">
          <Fact label="Address" mono>
            <ChainValue
              value={wallet.address}
              label="payer address"
              network={wallet.network}
              explorer="address"
            />
          </Fact>
          <Fact label="Network">
            {networkName(wallet.network)}{" "}
            <span className="font-mono text-xs text-slate-600">{wallet.network}</span>
          </Fact>
          <Fact label="USDC contract" mono>
            <ChainValue
              value={wallet.usdcAddress}
              label="USDC contract address"
              network={wallet.network}
              explorer="address"
            />
          </Fact>
        </dl>
      </div>
      <p className="pt-2 text-sm text-slate-700">
        Send only USDC on {networkName(wallet.network)} to this address: the payer pays vendors from it.
      </p>
    </Card>
  );
}

function BalancesCard({ view }: { view: TreasuryView }) {
  const { balances, lowBalanceMicro } = view;
  if (!balances) return null;
  if (!balances.available) {
    return (
      <Card title="Balances">
        <Notice title="Balances unavailable" reason={balances.reason} code={balances.code} />
      </Card>
    );
  }
  const low = balances.usdcMicro < lowBalanceMicro;
  return (
    <Facts title="Balances">
      <Fact label="USDC">
        <Money
          micro={balances.usdcMicro}
          className={`text-xl font-semibold ${low ? "text-red-700" : "text-slate-900"}`}
        />
        <span className="block text-xs text-slate-600">
          {low ? (
            <span className="font-medium text-red-800">
              Low: below the <Money micro={lowBalanceMicro} /> line
            </span>
          ) : (
            <>
              Above the <Money micro={lowBalanceMicro} /> low-balance line
            </>
          )}
        </span>
      </Fact>
      <Fact label="Gas (ETH)">
        <span className="break-all tabular-nums">{formatEth(balances.gasWei)} ETH</span>
        {balances.gasWei === 0n ? (
          <span className="block text-xs text-slate-600">
            None: cancelling an authorization on chain needs a little ETH for gas.
          </span>
        ) : null}
      </Fact>
      {view.runway && view.runway.openMicro > 0n ? (
        <Fact label="Held by open payments">
          <Money micro={view.runway.openMicro} />
          <span className="block text-xs text-slate-600">
            may still leave the wallet; the runway starts from <Money micro={view.runway.availableMicro} />
          </span>
        </Fact>
      ) : null}
      <Fact label="Read at">
        <UtcTime iso={balances.readAt.toISOString()} />
      </Fact>
    </Facts>
  );
}

function RunwaySection({ view }: { view: TreasuryView }) {
  const low = view.lowBalanceMicro.toString();
  return (
    <section aria-labelledby="treasury-runway" className="flex flex-col gap-3">
      <h2 id="treasury-runway" className="text-lg font-semibold">
        Runway
      </h2>
      <p className="max-w-3xl text-sm text-slate-700">
        How long the USDC lasts if agents keep paying at the rate of the last 24 hours, or of the last 7 days:
        completed payments by when they were made. Payments still open are not spend yet, but their money may
        still leave the wallet, so the runway starts from the balance less what they hold. Times are UTC.
      </p>
      {view.runway ? (
        <div className="grid gap-4 lg:grid-cols-2">
          <RateRunwayFacts rate={toWire(view.runway.day)} lowBalanceMicro={low} />
          <RateRunwayFacts rate={toWire(view.runway.week)} lowBalanceMicro={low} />
        </div>
      ) : (
        <Facts title="Recent spend">
          <Fact label="Spent in the last 24 hours">
            <Money micro={view.spend.daySpentMicro} />
          </Fact>
          <Fact label="Spent in the last 7 days">
            <Money micro={view.spend.weekSpentMicro} />
          </Fact>
          <Fact label="Runway">Unknown until the wallet's balance can be read</Fact>
        </Facts>
      )}
    </section>
  );
}

export default async function TreasuryPage() {
  await requireUser("viewer");
  const view = await getTreasury();
  return (
    <div className="flex max-w-5xl flex-col gap-5">
      <PageHeader
        title="Treasury"
        actions={
          // A document load, not a client navigation: the funding page has its own Content-Security-Policy
          // (it talks to the chain from the browser), and a policy only changes on a full page load.
          <>
            <a href="/treasury/fund" className={buttonClass({ variant: "primary" })}>
              Fund the wallet
            </a>
            <a href="/treasury/rotate" className={buttonClass({ variant: "secondary" })}>
              Rotate the payer key
            </a>
            <a href="/treasury/owners" className={buttonClass({ variant: "secondary" })}>
              Treasury owners
            </a>
          </>
        }
      >
        The payer wallet: where to send USDC, what it holds on chain, and how long that lasts at the recent
        rate of spend.
      </PageHeader>
      {view.wallet.configured ? (
        <>
          <WalletCard wallet={view.wallet} />
          <BalancesCard view={view} />
        </>
      ) : (
        <Notice title="No payer wallet configured" reason={view.wallet.reason} code={view.wallet.code} />
      )}
      <RunwaySection view={view} />
    </div>
  );
}
