import { PageLoading } from "@/components/ui/page-loading";

export default function JobRunLoading() {
  return <PageLoading status="Loading the run…" blocks={["h-40", "h-72"]} maxWidth="max-w-5xl" />;
}
