import { PageLoading } from "@/components/ui/page-loading";

export default function AgentsLoading() {
  return <PageLoading title="Agents" status="Loading agents…" blocks={["h-16", "h-16", "h-16"]} />;
}
