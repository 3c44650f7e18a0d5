import { PageLoading } from "@/components/ui/page-loading";

export default function AuditLogLoading() {
  return <PageLoading title="Audit log" status="Loading the audit log…" blocks={["h-32", "h-72"]} />;
}
