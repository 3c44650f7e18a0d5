import { CapFigures } from "@/components/budget-caps/cap-figures";
import { CapForm } from "@/components/budget-caps/cap-form";
import type { SessionUser } from "@/lib/auth/session";
import { getCapsView, listAgentIds } from "@/lib/dal/budget-caps";
import { requiredRole } from "@/lib/payment-core/access/permissions";
import { roleAtLeast } from "@/lib/payment-core/access/users";

/**
 * One vendor's caps (the ledger's vendor host): for all agents together and per agent, today's and
 * this month's spent + reserved against each, and for operators the forms to change them. For the
 * Vendors page. A payment past one is refused `vendor_daily_limit_exceeded` /
 * `vendor_monthly_limit_exceeded`, naming the vendor (and the agent for a per-agent cap).
 */
export async function VendorCapsPanel({ vendor, user }: { vendor: string; user: SessionUser }) {
  const caps = await getCapsView({ vendor });
  const all = caps.find((c) => c.agentId === null);
  const perAgent = caps.filter((c) => c.agentId !== null);
  const canEdit = roleAtLeast(user.role, requiredRole("budgets.caps"));
  const canLoosen = roleAtLeast(user.role, requiredRole("budgets.caps_loosen"));
  const agents = canEdit ? await listAgentIds() : [];
  return (
    <section
      aria-labelledby="vendor-caps-title"
      className="flex min-w-0 flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4 [overflow-wrap:anywhere]"
    >
      <div>
        <h2 id="vendor-caps-title" className="text-base font-semibold text-slate-900">
          Caps at {vendor}
        </h2>
        <p className="text-sm text-slate-600">
          Payments to this vendor, checked with each payment's reservation (UTC windows).
        </p>
      </div>
      <div className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold text-slate-800">All agents together</h3>
        <div className="grid gap-3 sm:grid-cols-2">
          <CapFigures label="Today (UTC)" window={all?.daily ?? null} />
          <CapFigures label="This month (UTC)" window={all?.monthly ?? null} />
        </div>
        {canEdit ? (
          <CapForm
            vendor={vendor}
            agentId={null}
            label={`Set the caps of all agents at ${vendor}`}
            canLoosen={canLoosen}
            current={{
              dailyMicro: all?.daily?.limitMicro ?? null,
              monthlyMicro: all?.monthly?.limitMicro ?? null,
            }}
          />
        ) : null}
      </div>
      <div className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold text-slate-800">Per agent</h3>
        {perAgent.length === 0 ? (
          <p className="text-sm text-slate-600">No per-agent caps at this vendor.</p>
        ) : null}
        <ul className="flex flex-col gap-3">
          {perAgent.map((c) => (
            <li key={c.agentId} className="flex flex-col gap-2 border-t border-slate-200 pt-2">
              <span className="font-medium">{c.agentId}</span>
              <div className="grid gap-3 sm:grid-cols-2">
                <CapFigures label="Today (UTC)" window={c.daily} />
                <CapFigures label="This month (UTC)" window={c.monthly} />
              </div>
              {canEdit ? (
                <CapForm
                  vendor={vendor}
                  agentId={c.agentId}
                  label={`Set ${c.agentId}'s caps at ${vendor}`}
                  canLoosen={canLoosen}
                  current={{
                    dailyMicro: c.daily?.limitMicro ?? null,
                    monthlyMicro: c.monthly?.limitMicro ?? null,
                  }}
                />
              ) : null}
            </li>
          ))}
        </ul>
        {canEdit ? (
          <CapForm
            vendor={vendor}
            agents={agents}
            label={`Add an agent's caps at ${vendor}`}
            canLoosen={canLoosen}
            current={{ dailyMicro: null, monthlyMicro: null }}
          />
        ) : null}
      </div>
    </section>
  );
}
