import { PageLoading } from "@/components/ui/page-loading";

export default function VendorsLoading() {
  return <PageLoading title="Vendors" status="Loading the vendor catalog…" blocks={["h-32", "h-72"]} />;
}
