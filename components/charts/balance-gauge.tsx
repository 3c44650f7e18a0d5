/**
 * A half-circle gauge of the wallet's USDC balance. Plain SVG (a gauge is one arc; recharts
 * adds nothing here), decorative: the figure around it carries the numbers as text.
 */

const MIN_SCALE_MICRO = 500_000_000n; // $500: the low zone (< $50) stays visible at a tenth of the arc
const MICRO_PER_USD = 1_000_000n;

/** The gauge's full scale: $500, or the next 1-2-5 step at or above the balance. */
export function gaugeScaleMicro(balanceMicro: bigint): bigint {
  if (balanceMicro <= MIN_SCALE_MICRO) return MIN_SCALE_MICRO;
  for (let step = MICRO_PER_USD; ; step *= 10n) {
    for (const m of [1n, 2n, 5n]) {
      if (step * m >= balanceMicro) return step * m;
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
  const tick = { x: 100 + Math.cos(angle) * R, y: 100 - Math.sin(angle) * R };
  return (
    <svg viewBox="0 0 200 110" className="w-full max-w-64" aria-hidden="true" focusable="false">
      <path d={ARC} fill="none" stroke="#e2e8f0" strokeWidth={16} />
      <path
        d={ARC}
        fill="none"
        stroke="#fecaca"
        strokeWidth={16}
        strokeDasharray={`${LENGTH * lowZone} ${LENGTH}`}
      />
      <path
        d={ARC}
        fill="none"
        stroke={low ? "#dc2626" : "#047857"}
        strokeWidth={16}
        strokeDasharray={`${LENGTH * value} ${LENGTH}`}
      />
      <line
        x1={tick.x}
        y1={tick.y}
        x2={100 + (tick.x - 100) * 0.78}
        y2={100 - (100 - tick.y) * 0.78}
        stroke="#b91c1c"
        strokeWidth={2}
      />
    </svg>
  );
}
