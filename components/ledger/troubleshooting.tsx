import Link from "next/link";
import { Card, EmptyMark, Fact, Facts } from "@/components/ui/facts";
import { StatusBadge } from "@/components/ui/status-badge";
import { Money, Price } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { TroubleshootingView } from "@/lib/dal/troubleshoot";

/**
 * The transaction page's troubleshooting sections (the operations guide's steps 1-4 on one page):
 * the next step sits with the outcome (NextStepFact); these show the agent's budget then and now,
 * the wallet now with the chain receipt, the resolver's history and the row's log lines.
 */

/** The step's `commands` (backquoted in the shared text, as the CLI prints it) as code. */
function StepText({ text }: { text: string }) {
  const parts = text.split("`");
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed sentence, in order
          <code key={i} className="font-mono text-xs">
            {part}
          </code>
        ) : (
          part
        ),
      )}
    </>
  );
}

export function NextStepFact({ view }: { view: TroubleshootingView }) {
  return (
    <Fact label="What to do next">
      <span data-testid="next-step">
        <StepText text={view.next.text} />
      </span>
    </Fact>
  );
}

function SpendOf({ spent, limit }: { spent: string; limit: string }) {
  return (
    <>
      <Money micro={spent} /> of <Money micro={limit} />
    </>
  );
}

export function BudgetCard({ view, agentId }: { view: TroubleshootingView; agentId: string }) {
  const then = view.budgetAtPayment;
  const now = view.budgetNow;
  const used = (w: { spentMicro: string; reservedMicro: string }) =>
    (BigInt(w.spentMicro) + BigInt(w.reservedMicro)).toString();
  return (
    <Card title="Budget">
      <dl className="divide-y divide-slate-100" data-testid="budget-at-payment">
        <Fact label={`When it paid: day ${then.day.start}`}>
          <SpendOf spent={then.day.spentBeforeMicro} limit={then.day.limitMicro} /> spent before it (
          {then.day.payments} {then.day.payments === 1 ? "payment" : "payments"})
        </Fact>
        <Fact label={`When it paid: month from ${then.month.start}`}>
          <SpendOf spent={then.month.spentBeforeMicro} limit={then.month.limitMicro} /> spent before it (
          {then.month.payments} {then.month.payments === 1 ? "payment" : "payments"})
        </Fact>
        <Fact label="Per-transaction max then">
          <Price micro={then.perTransactionMaxMicro} />
        </Fact>
        <Fact label="Limits shown">
          {then.limitsFrom === "history"
            ? "the limits in force then (a limit changed since; console changes from the audit log)"
            : "today's limits (none changed since the payment)"}
        </Fact>
      </dl>
      <dl className="mt-2 divide-y divide-slate-100 border-t border-slate-200" data-testid="budget-now">
        <Fact label="Agent now">
          {view.statusNow ? (
            <StatusBadge kind="agentPayment" status={view.statusNow.state} label={view.statusNow.label} />
          ) : (
            "no longer exists"
          )}{" "}
          <Link href={`/agents/${encodeURIComponent(agentId)}`} className="text-sm text-blue-800 underline">
            agent page
          </Link>
        </Fact>
        {now ? (
          <>
            <Fact label="Today now">
              <SpendOf spent={used(now.daily)} limit={now.daily.limitMicro} /> ({now.daily.utilizationPct}%)
            </Fact>
            <Fact label="This month now">
              <SpendOf spent={used(now.monthly)} limit={now.monthly.limitMicro} /> (
              {now.monthly.utilizationPct}
              %)
            </Fact>
          </>
        ) : null}
      </dl>
    </Card>
  );
}

export function WalletAndChainCard({ view, txHash }: { view: TroubleshootingView; txHash: string | null }) {
  const w = view.wallet;
  const r = view.receipt;
  return (
    <Facts title="Wallet and chain">
      <Fact label="Wallet balance now">
        <span data-testid="wallet-now">
          {w.available ? (
            <>
              <Money micro={w.balanceMicro} /> USDC{w.low ? " · below the low-balance line" : ""}{" "}
              <Link href="/treasury" className="text-blue-800 underline">
                treasury
              </Link>
            </>
          ) : (
            <>Unavailable: {w.reason}</>
          )}
        </span>
      </Fact>
      <Fact label="Chain receipt">
        <span data-testid="chain-receipt">
          {!txHash ? (
            "no transaction hash: nothing settled on chain"
          ) : r?.ok ? (
            <>
              block {r.value.blockNumber} · {r.value.confirmations} confirmations · {r.value.status}
            </>
          ) : (
            <>Unavailable: {r?.reason ?? "not read"}</>
          )}
        </span>
      </Fact>
    </Facts>
  );
}

export function HistoryCard({ view }: { view: TroubleshootingView }) {
  return (
    <Card title="Resolver history">
      {view.history.length === 0 ? (
        <p className="text-sm text-slate-600">No settlement resolution or refund change for this row.</p>
      ) : (
        <ol className="divide-y divide-slate-100 text-sm">
          {view.history.map((h) => (
            <li key={`${h.at}-${h.action}`} className="py-2">
              <UtcTime iso={h.at} /> <span className="font-mono text-xs">{h.action}</span> by {h.actor}
              {h.reason ? <span className="block text-slate-600">{h.reason}</span> : null}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

const LEVEL_CLASS: Record<string, string> = {
  error: "text-red-900",
  warn: "text-amber-900",
  info: "text-slate-700",
  debug: "text-slate-600",
};

export function LogLinesCard({ view }: { view: TroubleshootingView }) {
  return (
    <Card title="Log lines">
      {view.events.length === 0 ? (
        <p className="text-sm">
          <EmptyMark label="No log lines stored" /> No log lines stored for this transaction.
        </p>
      ) : (
        <ol className="divide-y divide-slate-100" data-testid="log-lines">
          {view.events.map((e) => (
            <li key={e.id} className="py-2 text-sm">
              <UtcTime iso={e.at} />{" "}
              <span className={`font-semibold ${LEVEL_CLASS[e.level] ?? ""}`}>{e.level.toUpperCase()}</span>{" "}
              {e.event}: {e.message}{" "}
              <code className="mt-1 block break-all font-mono text-xs text-slate-600">
                {Object.entries(e.fields)
                  .filter(([k]) => k !== "event")
                  .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
                  .join(" ")}
              </code>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
