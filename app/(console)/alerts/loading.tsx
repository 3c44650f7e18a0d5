import { PageLoading } from "@/components/ui/page-loading";

export default function AlertsLoading() {
  return <PageLoading title="Alerts" status="Loading alerts…" blocks={["h-40", "h-40", "h-56"]} />;
}
