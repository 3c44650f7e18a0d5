import { PageLoading } from "@/components/ui/page-loading";

/** Shown while the rotation and the wallets' balances are read. */
export default function RotateLoading() {
  return (
    <PageLoading
      title="Rotate the payer key"
      status="Reading the rotation…"
      blocks={["h-6", ["h-64", "h-64"], "h-40"]}
      maxWidth="max-w-6xl"
    />
  );
}
