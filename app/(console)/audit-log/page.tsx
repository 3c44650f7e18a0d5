import { redirect } from "next/navigation";
import { AuditFilters } from "@/components/audit/audit-filters";
import { AuditTable } from "@/components/audit/audit-table";
import { Pager } from "@/components/ledger/pager";
import { requireUser } from "@/lib/auth/session";
import { AUDIT_PARAMS, auditFacets, auditHref, auditPage, parseAuditQuery } from "@/lib/dal/audit";
import { FilterError, pageLinks } from "@/lib/dal/search-params";
import type { AuditRecord } from "@/lib/payment-core/audit";

export const dynamic = "force-dynamic";
export const metadata = { title: "Audit log · x402 console" };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireUser("viewer");
  const raw = await searchParams;
  // A GET form sends its empty inputs too: keep the URL to the filters in use.
  if (AUDIT_PARAMS.some((key) => raw[key] !== undefined && String(raw[key]).trim() === "")) {
    const kept = Object.fromEntries(
      Object.entries(raw).filter(([, v]) => typeof v === "string" && v.trim() !== ""),
    ) as Record<string, string>;
    redirect(`/audit-log${Object.keys(kept).length ? `?${new URLSearchParams(kept)}` : ""}`);
  }
  const parsed = parseAuditQuery(raw);
  const facets = await auditFacets();
  let error: FilterError | null = parsed.ok ? null : parsed.error;
  let rows: AuditRecord[] = [];
  let nextCursor: string | null = null;
  if (parsed.ok) {
    try {
      ({ rows, nextCursor } = await auditPage(parsed.filter, parsed.position));
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      error = e;
    }
  }
  const links = parsed.ok ? pageLinks(parsed.position, nextCursor) : null;

  return (
    <div className="flex flex-col gap-5">
      <header>
        <h1 className="text-2xl font-semibold">Audit log</h1>
        <p className="text-sm text-slate-600">
          Every change (limits, approvals, kill switch, agents, users, imports) and every sign-in, newest
          first: who, when (UTC), what, before and after, and why.
        </p>
      </header>
      <AuditFilters
        values={parsed.params}
        error={error ? { field: error.field, message: error.message } : null}
        facets={facets}
      />
      {parsed.ok && !error ? (
        <>
          <AuditTable rows={rows} filtered={Object.keys(parsed.params).length > 0} />
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
