import Link from "next/link";
import { BalanceGauge, gaugeScaleMicro } from "@/components/charts/balance-gauge";
import { Money } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { OverviewView, WalletView } from "@/lib/dal/overview";
import { hoursLeftText, lowLineText } from "@/lib/payment-core/treasury/runway-text";
import { Panel } from "./panel";

export function WalletCard({ wallet, runway }: { wallet: WalletView; runway: OverviewView["runway"] }) {
  return (
    <Panel
      title="Wallet balance"
      info={
        <>
          USDC held by the payer wallet, read on chain every few seconds. Below{" "}
          <Money micro={wallet.lowThresholdMicro} /> it is shown as low: top it up before payments start
          failing.
        </>
      }
    >
      {wallet.available ? <Available wallet={wallet} /> : <Unavailable wallet={wallet} />}
      {runway ? <RunwaySummary runway={runway} /> : null}
    </Panel>
  );
}

function Available({ wallet }: { wallet: Extract<WalletView, { available: true }> }) {
  const balance = BigInt(wallet.balanceMicro);
  const lowLine = BigInt(wallet.lowThresholdMicro);
  const scale = gaugeScaleMicro(balance, lowLine);
  return (
    <figure className="flex min-w-0 flex-col items-center gap-1">
      <BalanceGauge balanceMicro={balance} scaleMicro={scale} lowMicro={lowLine} low={wallet.low} />
      <div className="-mt-10 flex flex-col items-center">
        <Money
          micro={balance}
          className={`text-2xl font-semibold ${wallet.low ? "text-red-700" : "text-slate-900"}`}
        />
        <span className="text-xs text-slate-600">USDC</span>
      </div>
      <div className="flex w-full max-w-64 justify-between text-xs text-slate-600" aria-hidden="true">
        <Money micro="0" />
        <span className="flex items-center gap-1">
          <span className="inline-block h-3 w-0.5 bg-red-600" />
          low <Money micro={lowLine} />
        </span>
        <Money micro={scale} />
      </div>
      <figcaption className="w-full min-w-0 text-center text-sm text-slate-700">
        {wallet.low ? (
          <span role="status" className="font-medium text-red-800">
            Low balance: below <Money micro={wallet.lowThresholdMicro} />
          </span>
        ) : (
          <span>
            Above the low-balance line of <Money micro={wallet.lowThresholdMicro} />
          </span>
        )}
        <span className="sr-only">
          {" "}
          (gauge from <Money micro="0" /> to <Money micro={scale} />)
        </span>
        <span className="mt-1 block font-mono text-xs break-all text-slate-600">{wallet.address}</span>
        <span className="block text-xs text-slate-600">{wallet.network}</span>
        <span className="block text-xs text-slate-500">
          read at <UtcTime iso={wallet.readAt} />
        </span>
      </figcaption>
    </figure>
  );
}

function Unavailable({ wallet }: { wallet: Extract<WalletView, { available: false }> }) {
  return (
    <div className="flex min-h-32 flex-col justify-center gap-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
      <p className="font-medium">Balance unavailable</p>
      <p>{wallet.reason}</p>
      <p className="font-mono text-xs">{wallet.code}</p>
    </div>
  );
}

/** How long the balance lasts at the last 24 hours' spend; the Treasury page has both rates. */
function RunwaySummary({ runway }: { runway: NonNullable<OverviewView["runway"]> }) {
  const day = runway.day;
  const left = hoursLeftText({
    windowHours: day.windowHours,
    hoursLeft: day.hoursLeft === null ? null : BigInt(day.hoursLeft),
    daysLeft: day.daysLeft === null ? null : BigInt(day.daysLeft),
  });
  const line = lowLineText(
    { lowLine: day.lowLine, lowLineAt: day.lowLineAt ? new Date(day.lowLineAt) : null },
    BigInt(runway.lowBalanceMicro),
  );
  const treasury = (
    <Link href="/treasury" className="text-slate-900 underline underline-offset-2">
      Treasury
    </Link>
  );
  if (day.hoursLeft === null) {
    return (
      <p className="border-t border-slate-100 pt-2 text-sm text-slate-700">
        Runway: no spend in the last 24 h, so the balance is not running down. {treasury}
      </p>
    );
  }
  return (
    <p className="border-t border-slate-100 pt-2 text-sm text-slate-700">
      Runway at the last 24 h&apos;s spend: <strong className="tabular-nums">{left}</strong>; {line}.{" "}
      {treasury}
    </p>
  );
}
