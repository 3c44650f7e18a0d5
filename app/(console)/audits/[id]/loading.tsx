import { PageLoading } from "@/components/ui/page-loading";

export default function AuditReportLoading() {
  return <PageLoading status="Loading the audit…" blocks={["h-48", "h-48"]} maxWidth="max-w-5xl" />;
}
