import { UtcTime } from "@/components/ui/usd";
import { AddUserForm } from "@/components/users/add-user-form";
import { UserRowActions } from "@/components/users/user-row-actions";
import { requireUser } from "@/lib/auth/session";
import { usersList } from "@/lib/dal/users";
import { ROLES } from "@/lib/payment-core/users";

export const dynamic = "force-dynamic";
export const metadata = { title: "Users · x402 console" };

export default async function UsersPage() {
  const me = await requireUser("admin");
  const users = await usersList();
  const activeAdmins = users.filter((u) => u.role === "admin" && !u.disabled).length;

  return (
    <div className="flex flex-col gap-5">
      <header>
        <h1 className="text-2xl font-semibold">Users</h1>
        <p className="text-sm text-slate-600">
          Who can sign in to the console, and with which role: viewer &lt; operator &lt; approver &lt; admin.
          A disabled user is signed out on their next request. There is always at least one active admin (
          {activeAdmins} now). Every change is in the audit log.
        </p>
      </header>
      <div className="overflow-x-auto rounded-lg border border-slate-200">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Console users</caption>
          <thead className="bg-slate-50 text-slate-700">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">
                Email
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Name
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Role
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Status
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Created (UTC)
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Actions
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {users.map((user) => (
              <tr key={user.id} className={`align-top ${user.disabled ? "bg-slate-50 text-slate-500" : ""}`}>
                <th scope="row" className="px-3 py-2 font-normal break-all">
                  {user.email}
                  {user.id === me.id ? <span className="ml-1 text-xs text-slate-600">(you)</span> : null}
                </th>
                <td className="px-3 py-2">{user.name ?? <span className="text-slate-400">—</span>}</td>
                <td className="px-3 py-2">{user.role}</td>
                <td className="px-3 py-2">{user.disabled ? "Disabled" : "Active"}</td>
                <td className="whitespace-nowrap px-3 py-2">
                  <UtcTime iso={user.createdAt} withSeconds={false} />
                </td>
                <td className="px-3 py-2">
                  <UserRowActions
                    user={{ id: user.id, email: user.email, role: user.role, disabled: user.disabled }}
                    roles={ROLES}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <AddUserForm roles={ROLES} />
    </div>
  );
}
