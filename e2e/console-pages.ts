import type postgres from "postgres";
import type { Role } from "./state";

/**
 * Every console page with the role that sees it and the main heading it must show (so a check
 * never passes on the login page, an error or an empty shell). Shared by the screenshots, phone
 * and accessibility specs.
 */
export interface ConsolePage {
  name: string;
  path: string;
  /** Who opens it; null for a signed-out visitor. */
  role: Role | null;
  heading: string | RegExp;
  /** The HTTP status the page answers with (200 unless said). */
  status?: number;
}

export const STATIC_PAGES: readonly ConsolePage[] = [
  { name: "login", path: "/login", role: null, heading: "Sign in to the operations console" },
  { name: "overview", path: "/overview", role: "admin", heading: "Overview" },
  { name: "agents", path: "/agents", role: "admin", heading: "Agents" },
  { name: "agent", path: "/agents/builder_agent", role: "admin", heading: /Builder agent/ },
  { name: "vendors", path: "/vendors", role: "admin", heading: "Vendors" },
  { name: "vendors-viewer", path: "/vendors", role: "viewer", heading: "Vendors" },
  { name: "ledger", path: "/ledger", role: "admin", heading: "Ledger" },
  { name: "treasury", path: "/treasury", role: "admin", heading: "Treasury" },
  { name: "treasury-viewer", path: "/treasury", role: "viewer", heading: "Treasury" },
  { name: "settlements", path: "/settlements", role: "admin", heading: "Stale and unsettled payments" },
  {
    name: "settlements-viewer",
    path: "/settlements",
    role: "viewer",
    heading: "Stale and unsettled payments",
  },
  { name: "reconciliation", path: "/reconciliation", role: "admin", heading: "Reconciliation" },
  { name: "audits", path: "/audits", role: "admin", heading: "Budget audits" },
  { name: "approvals", path: "/approvals", role: "admin", heading: "Approvals" },
  { name: "approvals-viewer", path: "/approvals", role: "viewer", heading: "Approvals" },
  { name: "audit-log", path: "/audit-log", role: "admin", heading: "Audit log" },
  { name: "alerts", path: "/alerts", role: "admin", heading: "Alerts" },
  { name: "jobs", path: "/jobs", role: "admin", heading: "Jobs" },
  { name: "jobs-viewer", path: "/jobs", role: "viewer", heading: "Jobs" },
  { name: "users", path: "/settings/users", role: "admin", heading: "Users" },
  { name: "cli-tokens", path: "/settings/tokens", role: "admin", heading: "CLI tokens" },
  { name: "cli-tokens-viewer", path: "/settings/tokens", role: "viewer", heading: "CLI tokens" },
  { name: "treasury-fund", path: "/treasury/fund", role: "admin", heading: "Fund the payer wallet" },
  { name: "treasury-fund-viewer", path: "/treasury/fund", role: "viewer", heading: "Fund the payer wallet" },
  { name: "treasury-rotate", path: "/treasury/rotate", role: "admin", heading: "Rotate the payer key" },
  {
    name: "treasury-rotate-viewer",
    path: "/treasury/rotate",
    role: "viewer",
    heading: "Rotate the payer key",
  },
  { name: "treasury-owners", path: "/treasury/owners", role: "admin", heading: "Treasury owners" },
  { name: "treasury-owners-viewer", path: "/treasury/owners", role: "viewer", heading: "Treasury owners" },
  { name: "agents-viewer", path: "/agents/builder_agent", role: "viewer", heading: /Builder agent/ },
  { name: "overview-viewer", path: "/overview", role: "viewer", heading: "Overview" },
  { name: "forbidden", path: "/forbidden", role: null, heading: "Not allowed" },
  { name: "forbidden-viewer", path: "/forbidden", role: "viewer", heading: "Not allowed" },
  { name: "not-found", path: "/no-such-page", role: "admin", heading: "Page not found", status: 404 },
];

/** The static pages plus the record pages of whatever the database holds now. */
export async function consolePages(sql: postgres.Sql): Promise<ConsolePage[]> {
  const [latest] = await sql<{ id: string }[]>`SELECT id FROM transactions ORDER BY created_at DESC LIMIT 1`;
  const [reconciliation] = await sql<{ id: string }[]>`
    SELECT id::text FROM reconciliation_reports ORDER BY id DESC LIMIT 1`;
  const [audit] = await sql<{ id: string }[]>`SELECT id::text FROM audit_reports ORDER BY id DESC LIMIT 1`;
  const [run] = await sql<{ id: string }[]>`SELECT id::text FROM job_runs ORDER BY id DESC LIMIT 1`;
  // The catalog holds the demo vendors once a payment has read their 402 (or vendor-sync ran).
  const [vendor] = await sql<{ host: string }[]>`SELECT host FROM vendors ORDER BY last_seen DESC LIMIT 1`;
  const pages: ConsolePage[] = [...STATIC_PAGES];
  if (latest)
    pages.push({ name: "transaction", path: `/ledger/${latest.id}`, role: "admin", heading: latest.id });
  // Saved reports exist when the reports spec ran first (or the CLI ran against this database).
  if (reconciliation) {
    pages.push({
      name: "reconciliation-report",
      path: `/reconciliation/${reconciliation.id}`,
      role: "admin",
      heading: `Reconciliation report #${reconciliation.id}`,
    });
  }
  if (audit) {
    pages.push({
      name: "audit-report",
      path: `/audits/${audit.id}`,
      role: "admin",
      heading: `Budget audit #${audit.id}`,
    });
  }
  if (vendor) {
    for (const role of ["admin", "viewer"] as const) {
      pages.push({
        name: role === "admin" ? "vendor" : "vendor-viewer",
        path: `/vendors/${encodeURIComponent(vendor.host)}`,
        role,
        heading: vendor.host,
      });
    }
  }
  if (run)
    pages.push({
      name: "job-run",
      path: `/jobs/${run.id}`,
      role: "admin",
      heading: new RegExp(`run #${run.id}$`),
    });
  return pages;
}

/** A few payments and a refusal, so tables and charts have rows to lay out. */
export const SAMPLE_PAYMENTS = ["/search", "/code-scan", "/dataset", "/premium-report", "/flaky?fail=1"];
