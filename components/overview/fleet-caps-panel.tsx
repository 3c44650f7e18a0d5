import { CapFigures } from "@/components/budget-caps/cap-figures";
import { CapForm } from "@/components/budget-caps/cap-form";
import type { SessionUser } from "@/lib/auth/session";
import { getCapsView } from "@/lib/dal/budget-caps";
import { requiredRole } from "@/lib/payment-core/access/permissions";
import { roleAtLeast } from "@/lib/payment-core/access/users";

/**
 * The fleet-wide caps on the overview: one UTC-day and one UTC-month cap on every agent's spend
 * together (spent + reserved), today's and this month's figures, and for operators a form to change
 * them. A payment past one is refused `fleet_daily_limit_exceeded` / `fleet_monthly_limit_exceeded`.
 */
export async function FleetCapsPanel({ user }: { user: SessionUser }) {
  const fleet = (await getCapsView()).find((c) => c.vendor === null);
  const canEdit = roleAtLeast(user.role, requiredRole("budgets.caps"));
  const canLoosen = roleAtLeast(user.role, requiredRole("budgets.caps_loosen"));
  return (
    <section
      aria-labelledby="fleet-caps-title"
      className="flex min-w-0 flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
    >
      <div>
        <h2 id="fleet-caps-title" className="text-base font-semibold text-slate-900">
          Fleet caps
        </h2>
        <p className="text-sm text-slate-600">
          Every agent's payments together, checked with each payment's reservation (UTC windows).
        </p>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <CapFigures label="Today (UTC)" window={fleet?.daily ?? null} />
        <CapFigures label="This month (UTC)" window={fleet?.monthly ?? null} />
      </div>
      {canEdit ? (
        <CapForm
          vendor={null}
          label="Set the fleet's caps"
          canLoosen={canLoosen}
          current={{
            dailyMicro: fleet?.daily?.limitMicro ?? null,
            monthlyMicro: fleet?.monthly?.limitMicro ?? null,
          }}
        />
      ) : null}
    </section>
  );
}
