import { PageLoading } from "@/components/ui/page-loading";

export default function CliTokensLoading() {
  return <PageLoading title="CLI tokens" status="Loading CLI tokens…" blocks={["h-40", "h-56"]} />;
}
