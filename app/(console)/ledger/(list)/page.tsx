import Link from "next/link";
import { redirect } from "next/navigation";
import { dropEmptyFilters, readFilteredPage, type SearchParams } from "@/components/filters/page-params";
import { LedgerFilters } from "@/components/ledger/ledger-filters";
import { LedgerTable } from "@/components/ledger/ledger-table";
import { Pager } from "@/components/ledger/pager";
import { buttonClass } from "@/components/ui/button-class";
import { PageHeader } from "@/components/ui/page-header";
import { Money } from "@/components/ui/usd";
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
import { LEDGER_SORTS, type LedgerSort } from "@/lib/payment-core/ledger/keyset";
import { SUMMARY_EXACT_LIMIT } from "@/lib/payment-core/ledger/read";

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
      ? readFilteredPage(() =>
          getLedgerPage(query.filter, query.position, { sort: query.sort, limit: query.size }),
        )
      : { rows: [], nextCursor: null, previousCursor: null, error: null },
    query ? getLedgerSummary(query.filter) : null,
  ]);
  const { rows, nextCursor, previousCursor } = page;
  const error = parsed.ok ? page.error : parsed.error;
  const params = query?.params ?? (parsed.ok ? {} : parsed.params);

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
            sortHrefs={
              Object.fromEntries(
                LEDGER_SORTS.map((sort) => [
                  sort,
                  ledgerHref({ ...query.params, sort: sort === "time_desc" ? undefined : sort }),
                ]),
              ) as Record<LedgerSort, string>
            }
          />
          <Pager
            label="Ledger pages"
            firstHref={
              previousCursor || (query.position.cursor && rows.length === 0) ? ledgerHref(query.params) : null
            }
            previousHref={previousCursor ? ledgerHref(query.params, { before: previousCursor }) : null}
            nextHref={nextCursor ? ledgerHref(query.params, { cursor: nextCursor }) : null}
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

/**
 * How many rows match the filter and what they paid, exact when that is a bounded read;
 * otherwise PostgreSQL's estimate of the count, said to be one.
 */
function SummaryLine({ summary }: { summary: LedgerSummaryView }) {
  const count = summary.count.toLocaleString("en-US");
  return (
    <p className="text-sm text-slate-700" aria-live="polite">
      {summary.exact ? (
        <>
          {count} transaction{summary.count === 1 ? "" : "s"} match{summary.count === 1 ? "es" : ""} ·{" "}
          <Money micro={summary.paidMicro} /> paid <span className="text-slate-600">· exact</span>
        </>
      ) : (
        <>
          About {count} transactions match <span className="font-medium">(estimate)</span>{" "}
          <span className="text-slate-600">
            · counted and summed exactly for filters under {SUMMARY_EXACT_LIMIT.toLocaleString("en-US")} rows:
            narrow the filter, or download every row
          </span>
        </>
      )}
    </p>
  );
}
