import type { ReactNode } from "react";
import { ConsoleShell } from "@/components/console/shell";
import { requireUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requireUser("viewer");
  return <ConsoleShell user={user}>{children}</ConsoleShell>;
}
