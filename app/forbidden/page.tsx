import Link from "next/link";

export default function ForbiddenPage() {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center gap-4 px-6">
      <h1 className="text-2xl font-semibold">Not allowed</h1>
      <p className="text-slate-700">Your role does not include this page. Ask an admin if you need it.</p>
      <Link href="/overview" className="font-medium text-blue-800 underline underline-offset-4">
        Back to the overview
      </Link>
    </main>
  );
}
