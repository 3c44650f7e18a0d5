import type { Metadata } from "next";
import type { ReactNode } from "react";
import { THEME_SCRIPT } from "@/components/console/theme-script";
import "./globals.css";

export const metadata: Metadata = {
  title: "x402 operations console",
  description:
    "Budgets, ledger, reconciliation with the chain, alerts, a kill switch and an audit log for AI agents that pay over x402.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // data-theme is set before hydration by the script (a pinned light or dark theme).
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant script, no input in it */}
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen bg-white font-sans text-slate-900 antialiased">{children}</body>
    </html>
  );
}
