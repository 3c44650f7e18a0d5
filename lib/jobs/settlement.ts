import type { ResolveReport } from "@/lib/payment-core/settlement/resolver";

/**
 * Runs the settlement resolver when the console starts and then every `intervalMs`, in the
 * console's own process: nothing signed may stay open because no operator looked. Runs never
 * overlap in one process; across processes the resolver's per-row locks keep them apart.
 */
export interface SettlementSchedule {
  /** Resolves when the current run (if any) has finished; no run starts after this. */
  stop(): Promise<void>;
  /** The last run's report or error, for health and tests. */
  last(): { at: string; report?: ResolveReport; error?: string } | null;
}

export function startSettlementSchedule(options: {
  intervalMs: number;
  run: () => Promise<ResolveReport>;
  log?: (line: string) => void;
}): SettlementSchedule {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | null = null;
  let last: ReturnType<SettlementSchedule["last"]> = null;

  const tick = () => {
    if (stopped) return;
    current = options
      .run()
      .then((report) => {
        last = { at: new Date().toISOString(), report };
        const c = report.counts;
        if (c.captured + c.released + c.cancelled > 0) {
          options.log?.(
            `settlement: ${c.captured} captured, ${c.released} released, ${c.cancelled} cancelled, ${c.held} held`,
          );
        }
      })
      .catch((error: unknown) => {
        const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
        last = { at: new Date().toISOString(), error: message };
        options.log?.(`settlement: run failed: ${message}`);
      })
      .finally(() => {
        current = null;
        if (!stopped) {
          timer = setTimeout(tick, options.intervalMs);
          timer.unref();
        }
      });
  };
  tick();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
    last: () => last,
  };
}
