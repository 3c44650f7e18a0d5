import type { ReactNode } from "react";
import { KillSwitchBar } from "@/components/console/kill-switch-bar";
import { ConsoleNav } from "@/components/console/nav";
import { Providers } from "@/components/providers";
import { requireUser } from "@/lib/auth/session";
import { getActiveAlertCounts } from "@/lib/dal/alerts";
import { getKillSwitchView } from "@/lib/dal/kill-switch";
import { roleAtLeast } from "@/lib/payment-core/users";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requireUser("viewer");
  const [killSwitch, alertCounts] = await Promise.all([getKillSwitchView(), getActiveAlertCounts()]);
  const alerts = {
    active: alertCounts.critical + alertCounts.warning + alertCounts.info,
    critical: alertCounts.critical,
  };
  return (
    <Providers>
      <div className="flex min-h-screen flex-col md:flex-row">
        <ConsoleNav user={{ email: user.email, role: user.role }} alerts={alerts} />
        <div className="flex min-w-0 flex-1 flex-col">
          <KillSwitchBar initial={killSwitch} canToggle={roleAtLeast(user.role, "operator")} />
          <main id="main" className="flex-1 px-6 py-6">
            {children}
          </main>
        </div>
      </div>
    </Providers>
  );
}
