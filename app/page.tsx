import Link from "next/link";

/**
 * What the console does today, each with the page that does it: the landing page promises
 * nothing that has no page (app/landing.test.ts checks every link against the routes).
 */
const FEATURES: { name: string; href: string; text: string }[] = [
  {
    name: "Budgets",
    href: "/agents",
    text: "Daily, monthly and per-transaction limits for each agent, checked before a payment is signed and held under concurrent payments. Raising a monthly limit needs an approver.",
  },
  {
    name: "Ledger",
    href: "/ledger",
    text: "Every payment attempt, refusals included, in integer micro-USDC: filters, CSV and JSONL downloads, and import and export of the operations guide's JSONL with the x402 command line.",
  },
  {
    name: "Reconciliation",
    href: "/reconciliation",
    text: "The ledger checked against the payer wallet's USDC transfers on chain, daily at 03:30 UTC and on demand (once the wallet is configured), each discrepancy linked to its ledger row.",
  },
  {
    name: "Treasury",
    href: "/treasury",
    text: "The payer wallet's USDC and gas, how long the balance lasts at the last day's and week's spend, and funding it from a connected wallet (a Ledger or Trezor through a browser wallet), recorded once the chain confirms it.",
  },
  {
    name: "Alerts",
    href: "/alerts",
    text: "A warning when an agent's daily or monthly spend crosses 80, 90 or 95% of its limit, and critical alerts when a limit is reached, the wallet runs low or a vendor keeps failing. Checked every minute; critical alerts go to Discord or a webhook at once, warnings in a daily digest.",
  },
  {
    name: "Kill switch",
    href: "/overview",
    text: "In the top bar of every console page: stops every new payment at once, without a restart.",
  },
  {
    name: "Audit log",
    href: "/audit-log",
    text: "Who changed a limit, an agent, a user or the kill switch, when, and what it was before.",
  },
];

export default function LandingPage() {
  return (
    <main className="mx-auto flex min-h-screen max-w-2xl flex-col justify-center gap-8 px-6 py-16">
      <header>
        <p className="font-mono text-sm text-slate-600">x402</p>
        <h1 className="mt-2 text-4xl font-semibold tracking-tight">Operations console</h1>
        <p className="mt-4 text-lg leading-8 text-slate-700">
          For operators of AI agents that pay for HTTP resources in USDC over x402 through this console&apos;s
          payment API. What it does today:
        </p>
      </header>

      <dl className="grid gap-4 text-sm leading-6">
        {FEATURES.map((f) => (
          <div key={f.name}>
            <dt className="font-medium">
              <Link
                href={f.href}
                className="text-blue-800 underline underline-offset-4 hover:text-blue-950 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-800"
              >
                {f.name}
              </Link>
            </dt>
            <dd className="text-slate-700">{f.text}</dd>
          </div>
        ))}
      </dl>

      <nav aria-label="Get started" className="flex flex-wrap items-center gap-6">
        <Link
          href="/login"
          className="rounded-md bg-slate-900 px-5 py-2.5 font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
        >
          Sign in
        </Link>
        {/* A plain anchor: the health endpoint is JSON, not a page to prefetch. */}
        <a
          href="/api/health"
          className="font-medium text-blue-800 underline underline-offset-4 hover:text-blue-950 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-800"
        >
          Service health
        </a>
      </nav>
    </main>
  );
}
