import { PageLoading } from "@/components/ui/page-loading";

export default function AgentLoading() {
  return <PageLoading status="Loading the agent…" blocks={[["h-40", "h-40", "h-40"], "h-60"]} />;
}
