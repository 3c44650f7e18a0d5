import { PageLoading } from "@/components/ui/page-loading";

export default function ReconciliationLoading() {
  return <PageLoading title="Reconciliation" status="Loading reports…" blocks={["h-40", "h-72"]} />;
}
