import Link from "next/link";
import { redirect } from "next/navigation";
import { dropEmptyFilters, readFilteredPage, type SearchParams } from "@/components/filters/page-params";
import { LedgerFilters } from "@/components/ledger/ledger-filters";
import { LedgerTable } from "@/components/ledger/ledger-table";
import { Pager } from "@/components/ledger/pager";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Usd } from "@/components/ui/usd";
import { requireUser } from "@/lib/auth/session";
import {
  getLedgerFacets,
  getLedgerPage,
  getLedgerSummary,
  isFiltered,
  LEDGER_PARAMS,
  type LedgerSummaryView,
  ledgerExportHref,
  ledgerHref,
  parseLedgerQuery,
} from "@/lib/dal/ledger";
import { pageLinks } from "@/lib/url/search-params";

export const dynamic = "force-dynamic";
export const metadata = { title: "Ledger · x402 console" };

export default async function LedgerPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireUser("viewer");
  const raw = await searchParams;
  dropEmptyFilters("/ledger", raw, LEDGER_PARAMS);

  const parsed = parseLedgerQuery(raw);
  if (parsed.ok && parsed.query.kind === "transaction") {
    redirect(`/ledger/${encodeURIComponent(parsed.query.id)}`);
  }
  const query = parsed.ok && parsed.query.kind === "list" ? parsed.query : null;
  const [facets, page, summary] = await Promise.all([
    getLedgerFacets(),
    query
      ? readFilteredPage(() => getLedgerPage(query.filter, query.position, { sort: query.sort }))
      : { rows: [], nextCursor: null, error: null },
    query ? getLedgerSummary(query.filter) : null,
  ]);
  const { rows, nextCursor } = page;
  const error = parsed.ok ? page.error : parsed.error;
  const params = query?.params ?? (parsed.ok ? {} : parsed.params);
  const links = query ? pageLinks(query.position, nextCursor) : null;

  return (
    <div className="flex flex-col gap-5">
      <PageHeader
        title="Ledger"
        actions={
          query && !error ? (
            <div className="flex flex-wrap gap-2">
              <a
                href={ledgerExportHref(query.params, "csv")}
                className={buttonClass({ variant: "secondary" })}
              >
                Download CSV
              </a>
              <a
                href={ledgerExportHref(query.params, "jsonl")}
                className={buttonClass({ variant: "secondary" })}
              >
                Download JSONL
              </a>
            </div>
          ) : null
        }
      >
        Every payment attempt, including refusals. Times are UTC.
      </PageHeader>
      <LedgerFilters
        values={params}
        error={error ? { field: error.field, message: error.message } : null}
        agents={facets.agents}
        vendors={facets.vendors}
      />
      {query && !error ? (
        <>
          {summary && rows.length > 0 ? <SummaryLine summary={summary} /> : null}
          <LedgerTable
            rows={rows}
            filtered={isFiltered(query.params)}
            sort={query.sort}
            sortHref={(sort) =>
              ledgerHref({ ...query.params, sort: sort === "time_desc" ? undefined : sort })
            }
          />
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

/** How many rows match the filter and what they paid; downloads hold every one of them. */
function SummaryLine({ summary }: { summary: LedgerSummaryView }) {
  const count = summary.count.toLocaleString("en-US");
  return (
    <p className="text-sm text-slate-700" aria-live="polite">
      {summary.capped ? (
        <>
          More than {count} transactions match · <Usd micro={summary.paidMicro} /> paid by the newest {count}{" "}
          <span className="text-slate-600">(counting stops at {count}; the downloads hold every row)</span>
        </>
      ) : (
        <>
          {count} transaction{summary.count === 1 ? "" : "s"} match{summary.count === 1 ? "es" : ""} ·{" "}
          <Usd micro={summary.paidMicro} /> paid{" "}
          <span className="text-slate-600">· downloads include every page</span>
        </>
      )}
    </p>
  );
}
