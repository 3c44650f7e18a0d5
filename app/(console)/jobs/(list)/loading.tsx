import { PageLoading } from "@/components/ui/page-loading";

export default function JobsLoading() {
  return <PageLoading title="Jobs" status="Loading jobs…" blocks={["h-96", "h-72"]} />;
}
