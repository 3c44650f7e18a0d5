import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";
import { DataTable, RowHeader, Td, TimeCell } from "@/components/ui/table";
import { AddUserForm } from "@/components/users/add-user-form";
import { UserRowActions } from "@/components/users/user-row-actions";
import { requireUser } from "@/lib/auth/session";
import { listUserViews } from "@/lib/dal/users";
import { ROLES } from "@/lib/payment-core/access/users";

export const dynamic = "force-dynamic";
export const metadata = { title: "Users · x402 console" };

export default async function UsersPage() {
  const me = await requireUser("admin");
  const users = await listUserViews();
  const activeAdmins = users.filter((u) => u.role === "admin" && !u.disabled).length;

  return (
    <div className="flex flex-col gap-5">
      <PageHeader title="Users">
        Who can sign in to the console, and with which role: viewer &lt; operator &lt; approver &lt; admin. A
        disabled user is signed out on their next request. There is always at least one active admin (
        {activeAdmins} now). Every change is in the audit log. Their personal tokens for the{" "}
        <code className="font-mono">x402</code> command line, and revoking them, are on the{" "}
        <Link href="/settings/tokens" className="text-blue-800 underline underline-offset-2">
          CLI tokens
        </Link>{" "}
        page.
      </PageHeader>
      <DataTable
        caption="Console users"
        columns={["Email", "Name", "Role", "Status", "Created (UTC)", "Actions"]}
      >
        {users.map((user) => (
          <tr key={user.id} className={user.disabled ? "bg-slate-50 text-slate-500" : undefined}>
            <RowHeader className="whitespace-nowrap">
              {user.email}
              {user.id === me.id ? <span className="ml-1 text-xs text-slate-600">(you)</span> : null}
            </RowHeader>
            <Td>{user.name ?? <span className="text-slate-400">—</span>}</Td>
            <Td>{user.role}</Td>
            <Td>{user.disabled ? "Disabled" : "Active"}</Td>
            <TimeCell iso={user.createdAt} withSeconds={false} />
            <Td>
              <UserRowActions
                user={{ id: user.id, email: user.email, role: user.role, disabled: user.disabled }}
                roles={ROLES}
              />
            </Td>
          </tr>
        ))}
      </DataTable>
      <AddUserForm roles={ROLES} />
    </div>
  );
}
