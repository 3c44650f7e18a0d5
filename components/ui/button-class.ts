/**
 * The console's button look, without the component: server components (links styled as buttons)
 * import it from here, since `<Button>` is a client component.
 */
import { cx } from "./cx";

export type ButtonVariant =
  | "primary"
  | "secondary"
  | "danger"
  | "danger-outline"
  | "caution"
  | "approve"
  | "ghost";
export type ButtonSize = "sm" | "md" | "lg";

const BASE =
  "inline-flex min-h-6 min-w-6 items-center justify-center rounded-md font-medium disabled:cursor-not-allowed disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2";

const VARIANTS: Record<ButtonVariant, string> = {
  primary: "bg-slate-900 text-white hover:bg-slate-700 focus-visible:outline-slate-900",
  secondary:
    "border border-slate-300 bg-white text-slate-900 hover:bg-slate-100 focus-visible:outline-slate-900",
  danger: "bg-red-700 text-white hover:bg-red-800 focus-visible:outline-red-700",
  "danger-outline":
    "border border-red-300 bg-white text-red-800 hover:bg-red-50 focus-visible:outline-red-800",
  // One agent's brake (pause): amber and outlined, never mistaken for the kill switch's solid red.
  caution:
    "border border-amber-500 bg-amber-50 text-amber-950 hover:bg-amber-100 focus-visible:outline-amber-700",
  approve: "bg-green-800 text-white hover:bg-green-900 focus-visible:outline-green-800",
  ghost: "text-slate-800 hover:bg-slate-200 focus-visible:outline-slate-900",
};

const SIZES: Record<ButtonSize, string> = {
  sm: "px-2.5 py-1 text-sm",
  md: "px-3 py-2 text-sm",
  lg: "px-4 py-2",
};

/** The console's button look, for `<Button>` and for links that act as buttons (exports, pages). */
export function buttonClass({
  variant = "primary",
  size = "md",
  className,
}: {
  variant?: ButtonVariant;
  size?: ButtonSize;
  className?: string;
} = {}): string {
  return cx(BASE, VARIANTS[variant], SIZES[size], className);
}
