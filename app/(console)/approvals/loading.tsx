import { PageLoading } from "@/components/ui/page-loading";

export default function ApprovalsLoading() {
  return <PageLoading title="Approvals" status="Loading requests…" blocks={["h-48", "h-48"]} />;
}
