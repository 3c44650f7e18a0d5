import { PageLoading } from "@/components/ui/page-loading";

/** Shown while the overview's first data is read: the page's shape, without numbers. */
export default function OverviewLoading() {
  return (
    <PageLoading
      title="Overview"
      status="Loading the overview…"
      blocks={[["h-56", "h-56", "h-56"], ["h-80", "h-80"], "h-64", "h-72"]}
    />
  );
}
