import type { ReactNode } from "react";
import { KillSwitchBar } from "@/components/console/kill-switch-bar";
import { ConsoleNav } from "@/components/console/nav";
import { Providers } from "@/components/providers";
import type { SessionUser } from "@/lib/auth/session";
import { getActiveAlertCounts } from "@/lib/dal/alerts";
import { getKillSwitchView } from "@/lib/dal/kill-switch";
import { getPendingApprovalCount } from "@/lib/dal/nav";
import { roleAtLeast } from "@/lib/payment-core/access/users";

/**
 * The console's frame for a signed-in user: navigation (a sidebar, a menu on phones), the kill
 * switch, and the page in `main`. The console layout uses it, and so do the pages outside that
 * layout that a signed-in user can land on (an unknown address, /forbidden).
 */
export async function ConsoleShell({ user, children }: { user: SessionUser; children: ReactNode }) {
  const [killSwitch, alertCounts, pendingApprovals] = await Promise.all([
    getKillSwitchView(),
    getActiveAlertCounts(),
    getPendingApprovalCount(),
  ]);
  const alerts = {
    active: alertCounts.critical + alertCounts.warning + alertCounts.info,
    critical: alertCounts.critical,
  };
  return (
    <Providers>
      <div className="flex min-h-screen flex-col md:flex-row">
        <ConsoleNav
          user={{ email: user.email, role: user.role }}
          alerts={alerts}
          approvals={{ pending: pendingApprovals }}
        />
        <div className="flex min-w-0 flex-1 flex-col">
          <KillSwitchBar initial={killSwitch} canToggle={roleAtLeast(user.role, "operator")} />
          <main id="main" className="min-w-0 flex-1 px-4 py-4 sm:px-6 sm:py-6">
            {children}
          </main>
        </div>
      </div>
    </Providers>
  );
}
