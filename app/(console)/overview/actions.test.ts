import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db/client";
import { addUser, type User } from "@/lib/payment-core/access/users";
import { appDb } from "@/lib/server/db";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

/**
 * The caps' server action (the overview's fleet panel, the Vendors page's vendor panel), called as
 * the browser calls it, against a real database; only the session cookie is stood in for.
 */

let sessionUserId: string | null = null;
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: async () => (sessionUserId ? { user: { id: sessionUserId } } : null),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const { saveCaps } = await import("./actions");
const { getCapsView } = await import("@/lib/dal/budget-caps");

let t: TestDatabase;
let viewer: User;
let operator: User;
let approver: User;
const signIn = (user: User | null) => {
  sessionUserId = user?.id ?? null;
};

beforeAll(async () => {
  t = await createTestDatabase();
  process.env.DATABASE_URL = t.url;
  const add = async (email: string, role: User["role"]) =>
    (await addUser(t.db, { email, role, password: "a-test-password-1", actor: "test" })).user;
  viewer = await add("viewer@caps.test", "viewer");
  operator = await add("operator@caps.test", "operator");
  approver = await add("approver@caps.test", "approver");
});
afterAll(async () => {
  await closeDb(appDb());
  await t.drop();
});
beforeEach(() => signIn(null));

const capCount = async () =>
  (await t.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM budget_caps`)[0]?.n;

describe("saveCaps", () => {
  it("an operator sets and lowers the fleet's caps; raising or removing one needs an approver", async () => {
    signIn(operator);
    expect(await saveCaps({ vendor: "", agentId: "", daily: "100", monthly: "2000" })).toMatchObject({
      ok: true,
      data: { vendor: null, dailyMicro: "100000000", monthlyMicro: "2000000000" },
    });
    expect(await saveCaps({ vendor: "", agentId: "", daily: "90", monthly: "2000" })).toMatchObject({
      ok: true,
    });
    for (const loosen of [
      { daily: "95", monthly: "2000" },
      { daily: "", monthly: "2000" },
    ]) {
      const r = await saveCaps({ vendor: "", agentId: "", ...loosen });
      expect(r).toMatchObject({ ok: false, code: "forbidden" });
    }
    expect((await getCapsView()).find((c) => c.vendor === null)?.daily?.limitMicro).toBe("90000000");
    signIn(approver);
    expect(await saveCaps({ vendor: "", agentId: "", daily: "", monthly: "2500" })).toMatchObject({
      ok: true,
      data: { dailyMicro: null, monthlyMicro: "2500000000" },
    });
  });

  it("a vendor's per-agent cap; bad input and a viewer save nothing", async () => {
    signIn(viewer);
    expect(await saveCaps({ vendor: "a.example", agentId: "", daily: "5", monthly: "" })).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    signIn(operator);
    const before = await capCount();
    for (const bad of [
      { vendor: "a.example", agentId: "", daily: "five", monthly: "" },
      { vendor: "a.example", agentId: "", daily: "-1", monthly: "" },
      { vendor: "https://a.example/x", agentId: "", daily: "5", monthly: "" },
      { vendor: "", agentId: "builder_agent", daily: "5", monthly: "" },
      { vendor: "a.example", agentId: "ghost_agent", daily: "5", monthly: "" },
    ]) {
      const r = await saveCaps(bad);
      expect(r.ok, JSON.stringify(bad)).toBe(false);
    }
    expect(await capCount()).toBe(before);
    expect(
      await saveCaps({ vendor: "A.Example", agentId: "builder_agent", daily: "", monthly: "40" }),
    ).toMatchObject({
      ok: true,
      data: { vendor: "a.example", agentId: "builder_agent", monthlyMicro: "40000000" },
    });
    expect(await getCapsView({ vendor: "a.example" })).toEqual([
      expect.objectContaining({
        agentId: "builder_agent",
        daily: null,
        monthly: expect.objectContaining({ limitMicro: "40000000" }),
      }),
    ]);
  });
});
