import type { Metadata } from "next";
import Link from "next/link";
import { dropEmptyFilters, type SearchParams } from "@/components/filters/page-params";
import { PageHeader } from "@/components/ui/page-header";
import { VendorFilters } from "@/components/vendors/vendor-filters";
import { VendorsTable } from "@/components/vendors/vendors-table";
import { requireUser } from "@/lib/auth/session";
import { getVendorsPage, parseVendorQuery, VENDOR_PARAMS, vendorsHref } from "@/lib/dal/vendors";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Vendors · x402 console" };

export default async function VendorsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireUser("viewer");
  const raw = await searchParams;
  dropEmptyFilters("/vendors", raw, VENDOR_PARAMS);
  const parsed = parseVendorQuery(raw);
  const page = parsed.ok ? await getVendorsPage(parsed.query) : null;
  const params = parsed.ok ? parsed.query.params : parsed.params;
  return (
    <div className="flex flex-col gap-5">
      <PageHeader title="Vendors">
        Every vendor the console has heard of: from the facilitator's discovery list (the vendor-sync job,
        every 15 minutes) and from every 402 the payer reads. Each vendor is paid only at its pinned payTo; a
        402 asking another is refused until an operator accepts it. Spend is the ledger's, last 30 days. Times
        are UTC.
      </PageHeader>
      <VendorFilters
        values={params}
        error={parsed.ok ? null : { field: parsed.error.field, message: parsed.error.message }}
      />
      {parsed.ok && page ? (
        <>
          <p className="text-sm text-slate-700" aria-live="polite">
            {page.total === 1 ? "1 vendor" : `${page.total.toLocaleString("en-US")} vendors`}
            {parsed.query.q ? ` match “${parsed.query.q}”` : ""}
            {page.total > page.vendors.length ? ` (the first ${page.vendors.length} shown)` : ""}
          </p>
          <VendorsTable
            rows={page.vendors}
            filtered={Boolean(parsed.query.q)}
            sort={{ key: parsed.query.sort, order: parsed.query.order }}
            sortHref={(sort, order) => vendorsHref({ q: parsed.query.q, sort, order })}
          />
        </>
      ) : (
        <p className="text-sm text-slate-600">
          Fix the search above, or{" "}
          <Link href="/vendors" className="text-blue-800 underline underline-offset-2">
            show every vendor
          </Link>
          .
        </p>
      )}
    </div>
  );
}
