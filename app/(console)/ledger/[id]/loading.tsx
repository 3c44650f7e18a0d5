import { PageLoading } from "@/components/ui/page-loading";

export default function TransactionLoading() {
  return <PageLoading status="Loading the transaction…" blocks={["h-48", "h-48"]} maxWidth="max-w-4xl" />;
}
