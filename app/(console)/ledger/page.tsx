import Link from "next/link";
import { redirect } from "next/navigation";
import { LedgerFilters } from "@/components/ledger/ledger-filters";
import { LedgerTable } from "@/components/ledger/ledger-table";
import { Pager } from "@/components/ledger/pager";
import { requireUser } from "@/lib/auth/session";
import {
  LEDGER_PARAMS,
  type LedgerRowView,
  ledgerExportHref,
  ledgerFacets,
  ledgerHref,
  ledgerPage,
  parseLedgerQuery,
} from "@/lib/dal/ledger";
import { FilterError, pageLinks } from "@/lib/dal/search-params";

export const dynamic = "force-dynamic";
export const metadata = { title: "Ledger · x402 console" };

type SearchParams = Record<string, string | string[] | undefined>;

const EXPORT_LINK =
  "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900";

export default async function LedgerPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireUser("viewer");
  const raw = await searchParams;
  // A GET form sends its empty inputs too (`agent=&vendor=…`): keep the URL to the filters in use.
  if (LEDGER_PARAMS.some((key) => raw[key] !== undefined && String(raw[key]).trim() === "")) {
    const kept = Object.fromEntries(
      Object.entries(raw).filter(([, v]) => typeof v === "string" && v.trim() !== ""),
    ) as Record<string, string>;
    redirect(`/ledger${Object.keys(kept).length ? `?${new URLSearchParams(kept)}` : ""}`);
  }

  const parsed = parseLedgerQuery(raw);
  if (parsed.ok && parsed.query.kind === "transaction") {
    redirect(`/ledger/${encodeURIComponent(parsed.query.id)}`);
  }
  const facets = await ledgerFacets();
  let error: FilterError | null = parsed.ok ? null : parsed.error;
  let rows: LedgerRowView[] = [];
  let nextCursor: string | null = null;
  const query = parsed.ok && parsed.query.kind === "list" ? parsed.query : null;
  if (query) {
    try {
      ({ rows, nextCursor } = await ledgerPage(query.filter, query.position));
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      error = e;
    }
  }
  const params = query?.params ?? (parsed.ok ? {} : parsed.params);
  const links = query ? pageLinks(query.position, nextCursor) : null;

  return (
    <div className="flex flex-col gap-5">
      <header className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">Ledger</h1>
          <p className="text-sm text-slate-600">
            Every payment attempt, including refusals, newest first. Times are UTC.
          </p>
        </div>
        {query && !error ? (
          <div className="flex flex-wrap gap-2">
            <a href={ledgerExportHref(query.params, "csv")} className={EXPORT_LINK}>
              Download CSV
            </a>
            <a href={ledgerExportHref(query.params, "jsonl")} className={EXPORT_LINK}>
              Download JSONL
            </a>
          </div>
        ) : null}
      </header>
      <LedgerFilters
        values={params}
        error={error ? { field: error.field, message: error.message } : null}
        agents={facets.agents}
        vendors={facets.vendors}
      />
      {query && !error ? (
        <>
          <p className="text-sm text-slate-600" aria-live="polite">
            {rows.length === 0
              ? ""
              : `Showing ${rows.length} transaction${rows.length === 1 ? "" : "s"}${query.position.cursor ? " (not the first page)" : ""}. Downloads include every page.`}
          </p>
          <LedgerTable rows={rows} filtered={Object.keys(query.params).length > 0} />
          <Pager
            label="Ledger pages"
            firstHref={query.position.cursor ? ledgerHref(query.params) : null}
            previousHref={links?.previous ? ledgerHref(query.params, links.previous) : null}
            nextHref={links?.next ? ledgerHref(query.params, links.next) : null}
          />
        </>
      ) : (
        <p className="text-sm text-slate-600">
          Fix the filter above, or{" "}
          <Link href="/ledger" className="text-blue-800 underline underline-offset-2">
            show the whole ledger
          </Link>
          .
        </p>
      )}
    </div>
  );
}
