import { PageLoading } from "@/components/ui/page-loading";

export default function AuditsLoading() {
  return <PageLoading title="Budget audits" status="Loading audits…" blocks={["h-24", "h-72"]} />;
}
