import { PageNotFound } from "@/components/console/page-not-found";
import { ConsoleShell } from "@/components/console/shell";
import { currentUser } from "@/lib/auth/session";

export const metadata = { title: "Page not found · x402 console" };

/**
 * An address no route matches (HTTP 404). Signed in, it keeps the console around it, so the way
 * on is one click away; signed out, it stands alone and points to the sign-in page.
 */
export default async function NotFound() {
  const user = await currentUser();
  if (user) {
    return (
      <ConsoleShell user={user}>
        <PageNotFound back={{ href: "/overview", label: "Back to the overview" }} />
      </ConsoleShell>
    );
  }
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-6">
      <PageNotFound back={{ href: "/login", label: "Sign in" }} />
    </main>
  );
}
