"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { Button } from "@/components/ui/button";

const LINKS = [
  { href: "/overview", label: "Overview" },
  { href: "/agents", label: "Agents" },
  { href: "/ledger", label: "Ledger" },
  { href: "/settlements", label: "Settlements" },
  { href: "/reconciliation", label: "Reconciliation" },
  { href: "/audits", label: "Audits" },
  { href: "/jobs", label: "Jobs" },
  { href: "/approvals", label: "Approvals" },
  { href: "/alerts", label: "Alerts" },
  { href: "/audit-log", label: "Audit log" },
] as const;

export function ConsoleNav({
  user,
  alerts,
}: {
  user: { email: string; role: string };
  /** Active (open, unacknowledged) alerts, for the Alerts link's badge. */
  alerts?: { active: number; critical: number };
}) {
  const pathname = usePathname();
  const links = user.role === "admin" ? [...LINKS, { href: "/settings/users", label: "Users" }] : LINKS;
  return (
    <nav
      aria-label="Console"
      className="flex shrink-0 flex-col gap-1 border-slate-200 bg-slate-50 px-4 py-4 md:w-56 md:border-r"
    >
      <a href="#main" className="sr-only focus:not-sr-only">
        Skip to content
      </a>
      <p className="px-2 pb-3 font-mono text-sm text-slate-600">x402 console</p>
      <ul className="flex flex-row flex-wrap gap-1 md:flex-col">
        {links.map((link) => {
          const active = pathname === link.href || pathname.startsWith(`${link.href}/`);
          return (
            <li key={link.href}>
              <Link
                href={link.href}
                aria-current={active ? "page" : undefined}
                className={`block rounded-md px-2 py-1.5 text-sm ${active ? "bg-slate-900 text-white" : "text-slate-800 hover:bg-slate-200"} focus-visible:outline-2 focus-visible:outline-slate-900`}
              >
                {link.label}
                {link.href === "/alerts" && alerts && alerts.active > 0 ? (
                  <span
                    className={`ml-2 inline-flex min-w-5 justify-center rounded-full px-1.5 text-xs font-semibold ${alerts.critical > 0 ? "bg-red-700 text-white" : "bg-amber-200 text-amber-950"}`}
                  >
                    {alerts.active}
                    <span className="sr-only">
                      {" "}
                      active alert{alerts.active === 1 ? "" : "s"}
                      {alerts.critical > 0 ? `, ${alerts.critical} critical` : ""}
                    </span>
                  </span>
                ) : null}
              </Link>
            </li>
          );
        })}
      </ul>
      <div className="mt-auto border-t border-slate-200 pt-3 text-sm">
        <p className="truncate text-slate-800" title={user.email}>
          {user.email}
        </p>
        <p className="text-slate-600">Role: {user.role}</p>
        <Button
          variant="secondary"
          size="sm"
          onClick={() => signOut({ callbackUrl: "/login" })}
          className="mt-2"
        >
          Sign out
        </Button>
      </div>
    </nav>
  );
}
