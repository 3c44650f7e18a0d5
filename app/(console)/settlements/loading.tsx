import { PageLoading } from "@/components/ui/page-loading";

export default function SettlementsLoading() {
  return (
    <PageLoading
      title="Stale and unsettled payments"
      status="Loading open payments…"
      blocks={["h-24", "h-72"]}
    />
  );
}
