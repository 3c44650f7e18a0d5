import type { Metadata } from "next";
import { OverviewDashboard } from "@/components/overview/overview-dashboard";
import { requireUser } from "@/lib/auth/session";
import { getOverview } from "@/lib/dal/overview";

export const metadata: Metadata = { title: "Overview · x402 operations console" };
export const dynamic = "force-dynamic";

export default async function OverviewPage() {
  await requireUser("viewer");
  return <OverviewDashboard initial={await getOverview()} />;
}
