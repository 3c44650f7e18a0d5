import type { ComponentProps } from "react";
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

/** A button; `type="button"` unless told otherwise, so it never submits a form by accident. */
export function Button({
  variant,
  size,
  className,
  type = "button",
  ...props
}: ComponentProps<"button"> & { variant?: ButtonVariant; size?: ButtonSize }) {
  return <button type={type} className={buttonClass({ variant, size, className })} {...props} />;
}

/**
 * A form's submit button (or a run button, given `onClick`) and, while its action runs, the
 * button's busy label and a note of what is going on (`announce` makes the note a status).
 */
export function SubmitRow({
  pending,
  label,
  busyLabel = label,
  note,
  announce,
  onClick,
}: {
  pending: boolean;
  label: string;
  busyLabel?: string;
  note?: string;
  announce?: boolean;
  onClick?: () => void;
}) {
  return (
    <div className="flex items-center gap-3">
      <Button type={onClick ? "button" : "submit"} onClick={onClick} disabled={pending} aria-busy={pending}>
        {pending ? busyLabel : label}
      </Button>
      {pending && note ? (
        <span role={announce ? "status" : undefined} className="text-sm text-slate-600">
          {note}
        </span>
      ) : null}
    </div>
  );
}
