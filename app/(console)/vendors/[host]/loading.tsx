import { PageLoading } from "@/components/ui/page-loading";

export default function VendorLoading() {
  return (
    <PageLoading
      status="Loading the vendor…"
      blocks={["h-48", "h-40", "h-56", "h-56"]}
      maxWidth="max-w-5xl"
    />
  );
}
