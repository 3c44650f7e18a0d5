/**
 * bench:budget's "through PgBouncer" comparison: one measurement (an engine scenario, a pgbench
 * run) made directly against PostgreSQL and through a real PgBouncer in transaction mode
 * (lib/testing/pgbouncer.ts), alternating direct, pooled, direct, pooled, ... so that the
 * machine's noise falls on both sides, then set side by side as ratios (through PgBouncer / direct).
 * Optionally a third side between them, direct with prepared statements off (see `Side`).
 *
 * Each pooled run starts its own PgBouncer and stops it after, so its server connections do not
 * linger into the direct runs. The pooler gets a server connection for every client it can see
 * (`poolSize`), so no client ever waits for one: what the ratio shows is the extra hop on every
 * statement, and (for the app) statements without named prepared statements, which is how the app
 * runs behind such a pooler (db/client.ts), not a pool too small for the load.
 */
import { startPgBouncer } from "@/lib/testing/pgbouncer";
import { fmt, jsonPercentiles, log, type Percentiles, percentiles, round } from "./common";

/**
 * `direct`: straight to PostgreSQL, as the app runs without a pooler. `unprepared`: straight to
 * PostgreSQL with the client set up as behind a transaction pooler (no named prepared statements),
 * to tell that part of the cost from the hop. `pgbouncer`: through PgBouncer.
 */
export type Side = "direct" | "unprepared" | "pgbouncer";

const SIDE_LABEL: Record<Side, string> = {
  direct: "direct",
  unprepared: "direct, no prepared statements",
  pgbouncer: "through PgBouncer",
};

/** What one run measured. */
export interface Measured {
  /** Operations per second (reservations, pgbench transactions). */
  perSec: number;
  /** Latency samples (ms) by what they time (`reserve`, `cycle`, `transaction`). */
  samples: Record<string, number[]>;
  errors?: number;
  firstError?: string;
}

export interface SideResult {
  side: Side;
  /** Mean of the rounds' operations per second (the runs are equally long). */
  perSec: number;
  perRound: number[];
  /** Percentiles over every round's samples together. */
  latency: Record<string, Percentiles>;
  errors: number;
  firstError?: string;
}

export interface PooledComparison {
  name: string;
  /** What one operation is ("reservations", "transactions"). */
  unit: string;
  rounds: number;
  poolSize: number;
  pgbouncerVersion: string;
  /** `direct` first: the others are read against it. */
  sides: SideResult[];
}

export interface CompareOptions {
  name: string;
  unit: string;
  /** The database's direct URL; PgBouncer is put in front of its server, same database. */
  directUrl: string;
  rounds: number;
  /** PgBouncer's server connections (`default_pool_size`): at least the clients of one run. */
  poolSize: number;
  /** Besides `direct` and `pgbouncer`: `unprepared`, run between them. */
  unprepared?: boolean;
  /** The measurement against `url` (the direct one, or PgBouncer's with `pgbouncer=true`). */
  measure: (url: string, side: Side) => Promise<Measured>;
}

function combine(side: Side, runs: Measured[]): SideResult {
  const perRound = runs.map((r) => r.perSec);
  const latency: Record<string, Percentiles> = {};
  for (const k of Object.keys(runs[0]?.samples ?? {})) {
    latency[k] = percentiles(runs.flatMap((r) => r.samples[k] ?? []));
  }
  return {
    side,
    perSec: perRound.reduce((a, b) => a + b, 0) / Math.max(1, perRound.length),
    perRound,
    latency,
    errors: runs.reduce((a, r) => a + (r.errors ?? 0), 0),
    firstError: runs.find((r) => r.firstError)?.firstError,
  };
}

/** Runs `measure` on each side in turn (direct first, PgBouncer last), `rounds` times, logging each run. */
export async function comparePooled(options: CompareOptions): Promise<PooledComparison> {
  const order: Side[] = options.unprepared ? ["direct", "unprepared", "pgbouncer"] : ["direct", "pgbouncer"];
  const runs = new Map<Side, Measured[]>(order.map((side) => [side, []]));
  let version = "unknown";
  for (let round = 1; round <= options.rounds; round++) {
    for (const side of order) {
      log(`${options.name}, ${SIDE_LABEL[side]}, round ${round}/${options.rounds} ...`);
      let m: Measured;
      if (side !== "pgbouncer") {
        m = await options.measure(options.directUrl, side);
      } else {
        const bouncer = await startPgBouncer(options.directUrl, { poolSize: options.poolSize });
        version = bouncer.version;
        try {
          m = await options.measure(bouncer.url(), side);
        } finally {
          await bouncer.stop();
        }
      }
      runs.get(side)?.push(m);
      const lat = Object.entries(m.samples)
        .map(([k, v]) => {
          const p = percentiles(v);
          return `${k} p50 ${fmt(p.p50)} / p99 ${fmt(p.p99)} ms`;
        })
        .join(", ");
      log(
        `  ${fmt(m.perSec, 1)} ${options.unit}/s, ${lat}${m.errors ? `, ${m.errors} errors (${m.firstError})` : ""}`,
      );
    }
  }
  return {
    name: options.name,
    unit: options.unit,
    rounds: options.rounds,
    poolSize: options.poolSize,
    pgbouncerVersion: version,
    sides: order.map((side) => combine(side, runs.get(side) ?? [])),
  };
}

/** Every side but `direct`, each with `direct` to be read against. */
function againstDirect(c: PooledComparison): { direct: SideResult; other: SideResult }[] {
  const [direct, ...others] = c.sides;
  return direct ? others.map((other) => ({ direct, other })) : [];
}

const perRoundRatios = (direct: SideResult, other: SideResult) =>
  other.perRound.map((v, i) => fmt(v / (direct.perRound[i] ?? Number.NaN))).join(", ");

/** Table rows (header first): one a comparison, side and latency; ratio = that side / direct. */
export function pooledRows(comparisons: readonly PooledComparison[]): string[][] {
  const rows = [
    [
      "measurement",
      "against direct",
      "latency of",
      "direct /s",
      "this /s",
      "ratio /s",
      "ratio /s by round",
      "direct p50/p99 ms",
      "this p50/p99 ms",
      "ratio p50",
      "ratio p99",
    ],
  ];
  for (const c of comparisons) {
    for (const { direct, other } of againstDirect(c)) {
      const keys = Object.keys(direct.latency);
      for (const key of keys) {
        const d = direct.latency[key] as Percentiles;
        const o = other.latency[key];
        if (!o) continue;
        const first = key === keys[0];
        rows.push([
          first ? `${c.name} (${c.unit})` : "",
          first ? SIDE_LABEL[other.side] : "",
          key,
          first ? fmt(direct.perSec, 1) : "",
          first ? fmt(other.perSec, 1) : "",
          first ? fmt(other.perSec / direct.perSec) : "",
          first ? perRoundRatios(direct, other) : "",
          `${fmt(d.p50)} / ${fmt(d.p99)}`,
          `${fmt(o.p50)} / ${fmt(o.p99)}`,
          fmt(o.p50 / d.p50),
          fmt(o.p99 / d.p99),
        ]);
      }
    }
  }
  return rows;
}

/** One line for the targets' list (no target of its own: reported beside them). */
export function pooledSummary(c: PooledComparison, latencyKey: string): string {
  const parts = againstDirect(c).map(({ direct, other }) => {
    const d = direct.latency[latencyKey];
    const o = other.latency[latencyKey];
    return `${SIDE_LABEL[other.side]} ${fmt(other.perSec, 1)} vs ${fmt(direct.perSec, 1)} ${c.unit}/s direct, ratio ${fmt(other.perSec / direct.perSec)} (by round ${perRoundRatios(direct, other)}), ${latencyKey} p50 ${fmt(o?.p50 ?? Number.NaN)} vs ${fmt(d?.p50 ?? Number.NaN)} ms, p99 ${fmt(o?.p99 ?? Number.NaN)} vs ${fmt(d?.p99 ?? Number.NaN)} ms`;
  });
  const errors = c.sides.reduce((a, s) => a + s.errors, 0);
  const firstError = c.sides.find((s) => s.firstError)?.firstError;
  return `${c.name}, PgBouncer ${c.pgbouncerVersion} in transaction mode: ${parts.join("; ")} (no target: reported)${errors ? `; ${errors} errors (${firstError})` : ""}`;
}

export function pooledJson(c: PooledComparison, stats: Parameters<typeof jsonPercentiles>[1]) {
  const side = (s: SideResult) => ({
    side: s.side,
    label: SIDE_LABEL[s.side],
    perSec: round(s.perSec, 1),
    perRound: s.perRound.map((v) => round(v, 1)),
    latency: Object.fromEntries(Object.entries(s.latency).map(([k, p]) => [k, jsonPercentiles(p, stats)])),
    errors: s.errors,
    firstError: s.firstError ?? null,
  });
  const ratios = againstDirect(c).map(({ direct, other }) => {
    const r: Record<string, number | string | null> = {
      side: other.side,
      perSec: round(other.perSec / direct.perSec, 3),
    };
    for (const [k, d] of Object.entries(direct.latency)) {
      const o = other.latency[k];
      if (!o) continue;
      r[`${k}P50`] = round(o.p50 / d.p50, 3);
      r[`${k}P99`] = round(o.p99 / d.p99, 3);
    }
    return r;
  });
  return {
    name: c.name,
    unit: c.unit,
    rounds: c.rounds,
    order: `${c.sides.map((s) => s.side).join(", ")}, repeated; one PgBouncer started per pooled run`,
    pgbouncer: { version: c.pgbouncerVersion, poolMode: "transaction", poolSize: c.poolSize },
    sides: c.sides.map(side),
    ratioToDirect: ratios,
  };
}
