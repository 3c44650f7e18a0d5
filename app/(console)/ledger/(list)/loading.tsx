import { PageLoading } from "@/components/ui/page-loading";

export default function LedgerLoading() {
  return <PageLoading title="Ledger" status="Loading transactions…" blocks={["h-40", "h-72"]} />;
}
