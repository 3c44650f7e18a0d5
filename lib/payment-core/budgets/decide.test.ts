import { describe, expect, it } from "vitest";
import type { RefusalCode } from "../support/errors";
import { type BudgetConfig, defaultBudgetConfig, effectiveLimits } from "./config";
import { decideFinish, decideReserve, type ReserveContext, type WindowFigures } from "./decide";
import type { LedgerRow } from "./results";

const usdc = (n: number) => BigInt(Math.round(n * 1_000_000));

/** Windows and settings of one batch, as the locked rows would give them. */
interface Setup {
  killSwitch?: boolean;
  /** Agent id → status; an agent not listed does not exist. */
  agents?: Record<string, string>;
  config?: Partial<BudgetConfig>;
  /** Agent id → today's and this month's figures (spent, reserved), in USDC. */
  windows?: Record<string, { day?: [number, number]; month?: [number, number] }>;
}

function context(setup: Setup) {
  const config = defaultBudgetConfig(setup.config);
  const agents = setup.agents ?? { builder_agent: "active" };
  const windows = new Map<string, { day: WindowFigures; month: WindowFigures }>();
  const ctx: ReserveContext = {
    killSwitch: setup.killSwitch ?? false,
    hardLimitMicro: config.hardLimitMicro,
    statusOf: (id) => agents[id],
    limitsOf: (id) => effectiveLimits(config, id, []),
    windowsOf: (id) => {
      let w = windows.get(id);
      if (!w) {
        const figures = setup.windows?.[id] ?? {};
        const make = ([spent, reserved] = [0, 0]): WindowFigures => ({
          spent: usdc(spent),
          reserved: usdc(reserved),
          dirty: false,
        });
        w = { day: make(figures.day), month: make(figures.month) };
        windows.set(id, w);
      }
      return w;
    },
  };
  return { ctx, windows };
}

type Expected = "ok" | { code: RefusalCode; limit?: number; used?: number; remaining?: number };

const cases: {
  name: string;
  setup: Setup;
  /** The batch's reservations, in order: [agent, amount in USDC]. */
  batch: [string, number][];
  expected: Expected[];
}[] = [
  { name: "a reservation inside every limit", setup: {}, batch: [["builder_agent", 5]], expected: ["ok"] },
  {
    name: "the kill switch refuses before anything else, even an unknown agent",
    setup: { killSwitch: true },
    batch: [
      ["builder_agent", 1],
      ["nobody_agent", 1],
    ],
    expected: [{ code: "payments_disabled" }, { code: "payments_disabled" }],
  },
  {
    name: "an unknown agent",
    setup: {},
    batch: [["nobody_agent", 1]],
    expected: [{ code: "unknown_agent" }],
  },
  {
    name: "a paused agent is refused; another agent in the same batch is not",
    setup: { agents: { builder_agent: "paused", research_agent: "active" } },
    batch: [
      ["builder_agent", 1],
      ["research_agent", 1],
    ],
    expected: [{ code: "agent_paused" }, "ok"],
  },
  {
    name: "per-transaction max: exactly the max passes, a micro above it does not",
    setup: { config: { defaults: { daily: usdc(100), monthly: usdc(1000), per_transaction: usdc(2) } } },
    batch: [
      ["builder_agent", 2],
      ["builder_agent", 2.000001],
    ],
    expected: ["ok", { code: "per_transaction_max_exceeded", limit: 2 }],
  },
  {
    name: "the hard limit caps a payment the agent's own max would allow",
    setup: {
      config: {
        hardLimitMicro: usdc(3),
        defaults: { daily: usdc(100), monthly: usdc(1000), per_transaction: usdc(50) },
      },
    },
    batch: [
      ["builder_agent", 3],
      ["builder_agent", 3.5],
    ],
    expected: ["ok", { code: "hard_limit_exceeded", limit: 3 }],
  },
  {
    name: "daily limit: spent + reserved + amount may equal the limit, not pass it",
    setup: { windows: { builder_agent: { day: [90, 5], month: [90, 5] } } },
    batch: [
      ["builder_agent", 5.000001],
      ["builder_agent", 5],
      ["builder_agent", 0.000001],
    ],
    expected: [
      { code: "daily_limit_exceeded", limit: 100, used: 95, remaining: 5 },
      "ok",
      { code: "daily_limit_exceeded", limit: 100, used: 100, remaining: 0 },
    ],
  },
  {
    name: "monthly limit, checked after the daily one",
    setup: { windows: { builder_agent: { day: [0, 0], month: [995, 0] } } },
    batch: [
      ["builder_agent", 6],
      ["builder_agent", 5],
    ],
    expected: [{ code: "monthly_limit_exceeded", limit: 1000, used: 995, remaining: 5 }, "ok"],
  },
  {
    name: "when both windows are full the daily refusal is the one given",
    setup: { windows: { builder_agent: { day: [100, 0], month: [1000, 0] } } },
    batch: [["builder_agent", 1]],
    expected: [{ code: "daily_limit_exceeded", limit: 100, used: 100, remaining: 0 }],
  },
  {
    name: "batch order: each reservation sees what the ones before it took; a refusal takes nothing",
    setup: {
      agents: { builder_agent: "active", research_agent: "active" },
      config: { defaults: { daily: usdc(25), monthly: usdc(1000), per_transaction: usdc(10) } },
    },
    batch: [
      ["builder_agent", 10],
      ["builder_agent", 10],
      ["builder_agent", 10],
      ["builder_agent", 5],
      ["research_agent", 10],
    ],
    expected: ["ok", "ok", { code: "daily_limit_exceeded", limit: 25, used: 20, remaining: 5 }, "ok", "ok"],
  },
  {
    name: "batch order at the boundary: the first that fits gets the room, later ones are refused",
    setup: { windows: { builder_agent: { day: [92, 0], month: [92, 0] } } },
    batch: [
      ["builder_agent", 5],
      ["builder_agent", 5],
      ["builder_agent", 3],
    ],
    expected: ["ok", { code: "daily_limit_exceeded", limit: 100, used: 97, remaining: 3 }, "ok"],
  },
  {
    name: "an env limit for the agent is the one enforced",
    setup: { config: { agentLimits: { builder_agent: { daily: usdc(4) } } } },
    batch: [
      ["builder_agent", 4],
      ["builder_agent", 1],
    ],
    expected: ["ok", { code: "daily_limit_exceeded", limit: 4, used: 4, remaining: 0 }],
  },
];

describe("decideReserve", () => {
  it.each(cases)("$name", ({ setup, batch, expected }) => {
    const { ctx } = context(setup);
    const decisions = batch.map(([agentId, amount]) => decideReserve({ agentId, amount: usdc(amount) }, ctx));
    expect(
      decisions.map((d) =>
        d === undefined
          ? "ok"
          : {
              code: d.code,
              ...(d.figures.limitMicro !== undefined ? { limit: Number(d.figures.limitMicro) / 1e6 } : {}),
              ...(d.figures.usedMicro !== undefined ? { used: Number(d.figures.usedMicro) / 1e6 } : {}),
              ...(d.figures.remainingMicro !== undefined
                ? { remaining: Number(d.figures.remainingMicro) / 1e6 }
                : {}),
            },
      ),
    ).toEqual(expected);
  });

  it("takes an accepted amount from both windows and marks them changed; a refusal changes nothing", () => {
    const { ctx, windows } = context({ windows: { builder_agent: { day: [94, 2], month: [3, 4] } } });
    expect(decideReserve({ agentId: "builder_agent", amount: usdc(2.5) }, ctx)).toBeUndefined();
    expect(windows.get("builder_agent")).toEqual({
      day: { spent: usdc(94), reserved: usdc(4.5), dirty: true },
      month: { spent: usdc(3), reserved: usdc(6.5), dirty: true },
    });
    const refusal = decideReserve({ agentId: "builder_agent", amount: usdc(5) }, ctx);
    expect(refusal).toMatchObject({
      code: "daily_limit_exceeded",
      figures: {
        requestedMicro: "5000000",
        limitMicro: "100000000",
        usedMicro: "98500000",
        remainingMicro: "1500000",
      },
    });
    expect(refusal?.message).toContain("builder_agent");
    expect(windows.get("builder_agent")?.day.reserved).toBe(usdc(4.5));
  });

  it("never reads the windows of an agent it refuses before the limits (they are not locked)", () => {
    const { ctx } = context({ agents: { builder_agent: "paused" } });
    ctx.windowsOf = () => {
      throw new Error("not locked");
    };
    expect(decideReserve({ agentId: "builder_agent", amount: 1n }, ctx)?.code).toBe("agent_paused");
    expect(
      decideReserve({ agentId: "builder_agent", amount: usdc(50) }, { ...ctx, killSwitch: true })?.code,
    ).toBe("payments_disabled");
  });
});

describe("decideFinish", () => {
  const row = (status: LedgerRow["status"], amount = 5, txHash: string | null = null): LedgerRow => ({
    id: "tx_1",
    agent_id: "builder_agent",
    amount_micro: usdc(amount),
    status,
    idempotency_key: "k",
    tx_hash: txHash,
    error_code: null,
    error_message: null,
    metadata: {},
    day: "2026-03-10",
    month: "2026-03-01",
  });
  const hash = `0x${"ab".repeat(32)}`;

  it.each([
    {
      name: "a commit of a pending row settles at most the reserved amount",
      request: { kind: "capture", id: "tx_1", amount: usdc(4), txHash: hash },
      row: row("pending"),
      expected: {
        apply: true,
        status: "completed",
        amountMicro: usdc(4),
        unreserveMicro: usdc(5),
        spendMicro: usdc(4),
        txHash: hash,
      },
    },
    {
      name: "exactly the reserved amount is accepted",
      request: { kind: "capture", id: "tx_1", amount: usdc(5), txHash: hash },
      row: row("authorized"),
      expected: { apply: true, status: "completed", amountMicro: usdc(5), spendMicro: usdc(5) },
    },
    {
      name: "a micro more than the reservation is refused",
      request: { kind: "capture", id: "tx_1", amount: usdc(5.000001), txHash: hash },
      row: row("pending"),
      expected: {
        apply: false,
        result: { ok: false, code: "amount_exceeds_reservation", status: "pending" },
      },
    },
    {
      name: "a release frees the reservation and spends nothing",
      request: { kind: "release", id: "tx_1", releaseAs: "cancelled" },
      row: row("authorized"),
      expected: {
        apply: true,
        status: "cancelled",
        amountMicro: usdc(5),
        unreserveMicro: usdc(5),
        spendMicro: 0n,
        txHash: null,
      },
    },
    {
      name: "a held row (awaiting approval) released on a denial frees its reservation",
      request: { kind: "release", id: "tx_1" },
      row: row("awaiting_approval"),
      expected: {
        apply: true,
        status: "failed",
        amountMicro: usdc(5),
        unreserveMicro: usdc(5),
        spendMicro: 0n,
      },
    },
    {
      name: "a capture of a failed row adds its spend and frees nothing",
      request: { kind: "capture", id: "tx_1", amount: usdc(5), txHash: hash, fromFailed: true },
      row: row("failed"),
      expected: { apply: true, status: "completed", unreserveMicro: 0n, spendMicro: usdc(5) },
    },
    {
      name: "a plain commit of a failed row is not_pending",
      request: { kind: "capture", id: "tx_1", amount: usdc(5), txHash: hash },
      row: row("failed"),
      expected: { apply: false, result: { ok: false, code: "not_pending", status: "failed" } },
    },
    {
      name: "the same commit again is a replay",
      request: { kind: "capture", id: "tx_1", amount: usdc(5), txHash: hash },
      row: row("completed", 5, hash),
      expected: { apply: false, result: { ok: true, status: "completed", replayed: true } },
    },
    {
      name: "the same release again is a replay",
      request: { kind: "release", id: "tx_1" },
      row: row("failed"),
      expected: { apply: false, result: { ok: true, status: "failed", replayed: true } },
    },
    {
      name: "no such row",
      request: { kind: "release", id: "tx_1" },
      row: undefined,
      expected: { apply: false, result: { ok: false, code: "transaction_not_found" } },
    },
  ] as const)("$name", ({ request, row: locked, expected }) => {
    expect(decideFinish(request, locked)).toMatchObject(expected);
  });
});
