import { PageLoading } from "@/components/ui/page-loading";

/** Shown while the owners are read: the page's shape, without addresses. */
export default function TreasuryOwnersLoading() {
  return (
    <PageLoading title="Treasury owners" status="Reading the treasury owners…" blocks={["h-40", "h-48"]} />
  );
}
