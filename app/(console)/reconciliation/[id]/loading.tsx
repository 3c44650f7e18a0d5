import { PageLoading } from "@/components/ui/page-loading";

export default function ReconciliationReportLoading() {
  return <PageLoading status="Loading the report…" blocks={["h-48", "h-48"]} maxWidth="max-w-5xl" />;
}
