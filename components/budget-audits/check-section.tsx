import Link from "next/link";
import { Price } from "@/components/ui/usd";
import type { AuditCheck, AuditFinding, FigureValue } from "@/lib/payment-core/budget-audit/types";
import { CheckVerdict } from "./check-verdict";

/** "limitMicro" → "limit", "ageSeconds" → "age seconds". */
const figureLabel = (key: string) =>
  key
    .replace(/Micro$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase();

function Figure({ name, value }: { name: string; value: FigureValue }) {
  if (name.endsWith("Micro") && typeof value === "string" && /^-?\d+$/.test(value))
    return <Price micro={value} />;
  if (value === null) return <span className="text-slate-500">—</span>;
  return <span className="break-all">{String(value)}</span>;
}

function Finding({ finding }: { finding: AuditFinding }) {
  const figures = Object.entries(finding.figures);
  return (
    <li className="flex min-w-0 flex-col gap-2 px-4 py-3">
      <p className="min-w-0 text-sm [overflow-wrap:anywhere]">
        <code className="mr-2 rounded bg-slate-100 px-1 font-mono text-xs">{finding.kind}</code>
        {finding.message}
      </p>
      <dl className="grid min-w-0 grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-xs text-slate-700">
        {finding.agentId ? (
          <>
            <dt className="font-medium">Agent</dt>
            <dd>
              <Link
                href={`/agents/${encodeURIComponent(finding.agentId)}`}
                className="inline-flex min-h-6 items-center text-blue-800 underline underline-offset-2"
              >
                {finding.agentId}
              </Link>
            </dd>
          </>
        ) : null}
        {finding.window ? (
          <>
            <dt className="font-medium">Window</dt>
            <dd>
              {finding.window.period === "day" ? "UTC day" : "UTC month"} from{" "}
              {finding.window.start.slice(0, 10)}
            </dd>
          </>
        ) : null}
        {finding.transactionIds.length > 0 ? (
          <>
            <dt className="font-medium">Transactions</dt>
            <dd>
              <ul className="flex flex-wrap gap-x-3 gap-y-1">
                {finding.transactionIds.map((id) => (
                  <li key={id}>
                    <Link
                      href={`/ledger/${encodeURIComponent(id)}`}
                      className="inline-flex min-h-6 items-center break-all font-mono text-blue-800 underline underline-offset-2"
                    >
                      {id}
                    </Link>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
        {figures.map(([name, value]) => (
          <div key={name} className="contents">
            <dt className="font-medium">{figureLabel(name)}</dt>
            <dd className="tabular-nums">
              <Figure name={name} value={value} />
            </dd>
          </div>
        ))}
      </dl>
    </li>
  );
}

/** One of the audit's five checks: its verdict and every listed finding. */
export function CheckSection({ check }: { check: AuditCheck }) {
  const id = `check-${check.name}`;
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white">
      <header className="flex flex-wrap items-center gap-3 border-b border-slate-200 px-4 py-3">
        <h2 id={id} className="text-base font-semibold">
          {check.title}
        </h2>
        <CheckVerdict status={check.status} severity={check.severity} findingCount={check.findingCount} />
        <p className="ml-auto text-sm text-slate-600">
          {check.findingCount} finding{check.findingCount === 1 ? "" : "s"} ·{" "}
          {check.severity === "error" ? "any finding fails the audit" : "warnings, never a failure"}
        </p>
      </header>
      {check.findings.length === 0 ? (
        <p className="px-4 py-3 text-sm text-slate-700">Nothing found.</p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {check.findings.map((f) => (
            <Finding key={`${f.kind}:${f.message}`} finding={f} />
          ))}
        </ul>
      )}
      {check.truncated ? (
        <p className="border-t border-slate-200 px-4 py-2 text-sm text-slate-600">
          {check.findingCount - check.findings.length} more not listed here; the report file has the same list
          (each kind lists at most its first findings).
        </p>
      ) : null}
    </section>
  );
}
