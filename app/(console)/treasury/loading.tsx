import { PageLoading } from "@/components/ui/page-loading";

/** Shown while the wallet is read from the chain: the page's shape, without numbers. */
export default function TreasuryLoading() {
  return (
    <PageLoading
      title="Treasury"
      status="Reading the payer wallet…"
      blocks={[["h-56", "h-56"], "h-8", ["h-48", "h-48"]]}
      maxWidth="max-w-5xl"
    />
  );
}
