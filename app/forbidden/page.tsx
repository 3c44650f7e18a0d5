import Link from "next/link";
import { ConsoleShell } from "@/components/console/shell";
import { currentUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";
export const metadata = { title: "Not allowed · x402 console" };

/** Where a role too low for a page lands; signed in, inside the console so the way on is at hand. */
export default async function ForbiddenPage() {
  const user = await currentUser();
  const message = (
    <div className="flex max-w-xl flex-col gap-3">
      <h1 className="text-2xl font-semibold">Not allowed</h1>
      <p className="text-slate-700">Your role does not include this page. Ask an admin if you need it.</p>
      <Link href="/overview" className="self-start font-medium text-blue-800 underline underline-offset-4">
        Back to the overview
      </Link>
    </div>
  );
  if (user) return <ConsoleShell user={user}>{message}</ConsoleShell>;
  return <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-6">{message}</main>;
}
