import type { Metadata } from "next";
import { FleetCapsPanel } from "@/components/overview/fleet-caps-panel";
import { OverviewDashboard } from "@/components/overview/overview-dashboard";
import { requireUser } from "@/lib/auth/session";
import { getOverview } from "@/lib/dal/overview";

export const metadata: Metadata = { title: "Overview · x402 operations console" };
export const dynamic = "force-dynamic";

export default async function OverviewPage() {
  const user = await requireUser("viewer");
  return (
    <div className="flex flex-col gap-6">
      <OverviewDashboard initial={await getOverview()} />
      <FleetCapsPanel user={user} />
    </div>
  );
}
