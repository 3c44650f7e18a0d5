import Link from "next/link";

export default function LandingPage() {
  return (
    <main className="mx-auto flex min-h-screen max-w-2xl flex-col justify-center gap-8 px-6 py-16">
      <header>
        <p className="font-mono text-sm text-slate-600">x402</p>
        <h1 className="mt-2 text-4xl font-semibold tracking-tight">Operations console</h1>
      </header>

      <p className="text-lg leading-8 text-slate-700">
        For operators of AI-agent fleets that pay for HTTP resources in USDC over x402: per-agent budgets that
        hold under concurrency, a ledger that reconciles with the chain, alerts before a limit is reached, and
        a kill switch that stops every payment at once.
      </p>

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
