"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { NavBadge } from "./nav-badge";
import { ThemeToggle } from "./theme-toggle";

const LINKS = [
  { href: "/overview", label: "Overview" },
  { href: "/agents", label: "Agents" },
  { href: "/vendors", label: "Vendors" },
  { href: "/ledger", label: "Ledger" },
  { href: "/treasury", label: "Treasury" },
  { href: "/settlements", label: "Settlements" },
  { href: "/reconciliation", label: "Reconciliation" },
  { href: "/audits", label: "Audits" },
  { href: "/jobs", label: "Jobs" },
  { href: "/approvals", label: "Approvals" },
  { href: "/alerts", label: "Alerts" },
  { href: "/audit-log", label: "Audit log" },
] as const;

/**
 * The console's navigation: a sidebar from the md breakpoint up; below it a bar with a Menu
 * button that folds the links and the account out (Escape or following a link folds them back).
 */
export function ConsoleNav({
  user,
  alerts,
  approvals,
}: {
  user: { email: string; role: string };
  /** Active (open, unacknowledged) alerts, for the Alerts link's badge. */
  alerts?: { active: number; critical: number };
  /** Change requests and held payments waiting for an approver, for the Approvals link's badge. */
  approvals?: { pending: number };
}) {
  const pathname = usePathname();
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const links = user.role === "admin" ? [...LINKS, { href: "/settings/users", label: "Users" }] : LINKS;

  // Following a link (or the browser's back button) lands on another page: fold the menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the path changing is the trigger.
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  return (
    <nav
      aria-label="Console"
      className="flex shrink-0 flex-col border-b border-slate-200 bg-slate-50 px-4 py-2 md:w-56 md:border-r md:border-b-0 md:py-4"
    >
      <a href="#main" className="sr-only focus:not-sr-only">
        Skip to content
      </a>
      <div className="flex flex-wrap items-center justify-between gap-2 md:flex-col md:items-start md:pb-3">
        <p className="px-2 font-mono text-sm text-slate-700">x402 console</p>
        <ThemeToggle className="ml-auto md:ml-2" />
        <button
          ref={button}
          type="button"
          aria-expanded={open}
          aria-controls={menuId}
          onClick={() => setOpen((o) => !o)}
          className="inline-flex items-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-slate-900 md:hidden"
        >
          <MenuIcon open={open} />
          Menu
          {!open && (alerts?.active || approvals?.pending) ? (
            <span aria-hidden="true" className="size-2 rounded-full bg-amber-500" />
          ) : null}
        </button>
      </div>
      <div id={menuId} className={`${open ? "flex" : "hidden"} flex-1 flex-col gap-1 pt-2 md:flex md:pt-0`}>
        <ul className="flex flex-col gap-1">
          {links.map((link) => {
            const active = pathname === link.href || pathname.startsWith(`${link.href}/`);
            return (
              <li key={link.href}>
                <Link
                  href={link.href}
                  aria-current={active ? "page" : undefined}
                  onClick={() => setOpen(false)}
                  className={`flex items-center justify-between gap-2 whitespace-nowrap rounded-md px-2 py-1.5 text-sm ${active ? "bg-slate-900 text-white" : "text-slate-800 hover:bg-slate-200"} focus-visible:outline-2 focus-visible:outline-slate-900`}
                >
                  {link.label}
                  {link.href === "/alerts" && alerts && alerts.active > 0 ? (
                    <NavBadge tone={alerts.critical > 0 ? "critical" : "warning"} count={alerts.active}>
                      active alert{alerts.active === 1 ? "" : "s"}
                      {alerts.critical > 0 ? `, ${alerts.critical} critical` : ""}
                    </NavBadge>
                  ) : null}
                  {link.href === "/approvals" && approvals && approvals.pending > 0 ? (
                    <NavBadge tone="info" count={approvals.pending}>
                      pending
                    </NavBadge>
                  ) : null}
                </Link>
              </li>
            );
          })}
        </ul>
        <div className="mt-3 border-t border-slate-200 pt-3 text-sm md:mt-auto">
          <p className="truncate whitespace-nowrap text-slate-800" title={user.email}>
            {user.email}
          </p>
          <p className="text-slate-700">Role: {user.role}</p>
          <Link
            href="/settings/tokens"
            aria-current={pathname === "/settings/tokens" ? "page" : undefined}
            onClick={() => setOpen(false)}
            className={`mt-2 block rounded-md px-2 py-1.5 ${pathname === "/settings/tokens" ? "bg-slate-900 text-white" : "text-slate-800 hover:bg-slate-200"} focus-visible:outline-2 focus-visible:outline-slate-900`}
          >
            CLI tokens
          </Link>
          <Button
            variant="secondary"
            size="sm"
            onClick={() => signOut({ callbackUrl: "/login" })}
            className="mt-2"
          >
            Sign out
          </Button>
        </div>
      </div>
    </nav>
  );
}

function MenuIcon({ open }: { open: boolean }) {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 16 16"
      className="size-4"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
    >
      {open ? <path d="M4 4l8 8M12 4l-8 8" /> : <path d="M2 4h12M2 8h12M2 12h12" />}
    </svg>
  );
}
