import { PageLoading } from "@/components/ui/page-loading";

export default function ApprovalsLoading() {
  return (
    <PageLoading
      title="Approvals"
      status="Loading held payments and requests…"
      blocks={["h-48", "h-32", "h-48", "h-48"]}
    />
  );
}
