/**
 * A UTC timestamp, the one way the console prints one: `2026-11-30 15:55:02 UTC` (or without
 * seconds), sliced from the ISO string so the server and the browser print the same text.
 */
export function UtcTime({ iso, withSeconds = true }: { iso: string; withSeconds?: boolean }) {
  return (
    <time dateTime={iso} className="tabular-nums">
      {utcText(iso, withSeconds)}
    </time>
  );
}

/** The text `<UtcTime>` shows, for places that cannot hold an element (titles, chart ticks). */
export function utcText(iso: string, withSeconds = true): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, withSeconds ? 19 : 16)} UTC`;
}
