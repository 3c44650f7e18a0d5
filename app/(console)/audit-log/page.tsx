import { Suspense } from "react";
import { AuditFilters } from "@/components/audit-log/audit-filters";
import { AuditTable } from "@/components/audit-log/audit-table";
import { ChainBadge, ChainBadgeLoading } from "@/components/audit-log/chain-badge";
import { dropEmptyFilters, readFilteredPage, type SearchParams } from "@/components/filters/page-params";
import { Pager } from "@/components/ledger/pager";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import {
  AUDIT_PARAMS,
  auditHref,
  getAuditChainStatus,
  getAuditLogFacets,
  getAuditLogPage,
  parseAuditQuery,
} from "@/lib/dal/audit-log";
import { pageLinks } from "@/lib/url/search-params";

export const dynamic = "force-dynamic";
export const metadata = { title: "Audit log · x402 console" };

/** Streams in after the page: the check reads the whole log. */
async function AuditChain() {
  return <ChainBadge result={await getAuditChainStatus()} />;
}

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireUser("viewer");
  const raw = await searchParams;
  dropEmptyFilters("/audit-log", raw, AUDIT_PARAMS);
  const parsed = parseAuditQuery(raw);
  const facets = await getAuditLogFacets();
  const page = parsed.ok
    ? await readFilteredPage(() => getAuditLogPage(parsed.filter, parsed.position))
    : { rows: [], nextCursor: null, error: parsed.error };
  const { rows, nextCursor, error } = page;
  const links = parsed.ok ? pageLinks(parsed.position, nextCursor) : null;

  return (
    <div className="flex flex-col gap-5">
      <PageHeader title="Audit log">
        Every change (limits, approvals, kill switch, agents, users, imports), newest first: who, when (UTC),
        what, before and after, and why. Sign-ins are recorded too, and shown when you ask for them.
      </PageHeader>
      <Suspense fallback={<ChainBadgeLoading />}>
        <AuditChain />
      </Suspense>
      <AuditFilters
        values={parsed.params}
        error={error ? { field: error.field, message: error.message } : null}
        facets={facets}
      />
      {parsed.ok && !error ? (
        <>
          <AuditTable
            rows={rows}
            filtered={Object.keys(parsed.params).some((key) => key !== "signins")}
            signInsHidden={parsed.params.signins !== "show"}
          />
          <Pager
            label="Audit log pages"
            firstHref={parsed.position.cursor ? auditHref(parsed.params) : null}
            previousHref={links?.previous ? auditHref(parsed.params, links.previous) : null}
            nextHref={links?.next ? auditHref(parsed.params, links.next) : null}
          />
        </>
      ) : null}
    </div>
  );
}
