/**
 * A half-circle gauge of the wallet's USDC balance. Plain SVG (a gauge is one arc; recharts
 * adds nothing here), decorative: the figure around it carries the numbers as text.
 */

const MICRO_PER_USD = 1_000_000n;

/**
 * The gauge's full scale, from the balance and the low-balance line: the next 1-2-5 step at or
 * above both the balance and twice the line (so the line sits in the first half of the arc and a
 * healthy balance fills most of it). A $20 balance with a $5 line reads on $0-$20, a $9,000 one on
 * $0-$10,000; never a fixed $0-$500.
 */
export function gaugeScaleMicro(balanceMicro: bigint, lowMicro: bigint): bigint {
  const wanted = [balanceMicro, lowMicro * 2n, MICRO_PER_USD].reduce((a, b) => (a > b ? a : b));
  for (let step = MICRO_PER_USD; ; step *= 10n) {
    for (const m of [1n, 2n, 5n]) {
      if (step * m >= wanted) return step * m;
    }
  }
}

/** value / scale as a number in [0, 1], from integers. */
function fraction(value: bigint, scale: bigint): number {
  if (scale <= 0n) return 0;
  const clamped = value < 0n ? 0n : value > scale ? scale : value;
  return Number((clamped * 10_000n) / scale) / 10_000;
}

const R = 80;
const ARC = "M 20 100 A 80 80 0 0 1 180 100";
const LENGTH = Math.PI * R;

export function BalanceGauge({
  balanceMicro,
  scaleMicro,
  lowMicro,
  low,
}: {
  balanceMicro: bigint;
  scaleMicro: bigint;
  lowMicro: bigint;
  low: boolean;
}) {
  const value = fraction(balanceMicro, scaleMicro);
  const lowZone = fraction(lowMicro, scaleMicro);
  const angle = Math.PI * (1 - lowZone);
  // The low-balance line crosses the whole band (from inside to outside the arc).
  const at = (r: number) => ({ x: 100 + Math.cos(angle) * r, y: 100 - Math.sin(angle) * r });
  const inner = at(R - 12);
  const outer = at(R + 10);
  return (
    <svg viewBox="0 0 200 110" className="w-full max-w-64" aria-hidden="true" focusable="false">
      <path d={ARC} fill="none" stroke="var(--chart-track)" strokeWidth={16} />
      <path
        d={ARC}
        fill="none"
        stroke="var(--chart-low-zone)"
        strokeWidth={16}
        strokeDasharray={`${LENGTH * lowZone} ${LENGTH}`}
      />
      <path
        d={ARC}
        fill="none"
        stroke={low ? "var(--chart-critical)" : "var(--chart-success)"}
        strokeWidth={16}
        strokeDasharray={`${LENGTH * value} ${LENGTH}`}
      />
      <line
        x1={inner.x}
        y1={inner.y}
        x2={outer.x}
        y2={outer.y}
        className="gauge-low-line"
        stroke="var(--chart-critical)"
        strokeWidth={3}
      />
    </svg>
  );
}
