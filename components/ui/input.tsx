import type { ComponentProps } from "react";
import { cx } from "./cx";

/** Every text input, select and textarea of the console looks like this; invalid ones turn red. */
export const controlClass =
  "rounded-md border border-slate-300 bg-white px-3 py-2 font-normal text-slate-900 focus-visible:outline-2 focus-visible:outline-slate-900 disabled:bg-slate-100 aria-invalid:border-red-700 aria-invalid:ring-1 aria-invalid:ring-red-700";

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cx(controlClass, className)} {...props} />;
}

/** A select; `options` are values shown as they are, after any `children` (an "any" option, say). */
export function Select({
  className,
  options,
  children,
  ...props
}: ComponentProps<"select"> & { options?: readonly string[] }) {
  return (
    <select className={cx(controlClass, className)} {...props}>
      {children}
      {options?.map((option) => (
        <option key={option} value={option}>
          {option}
        </option>
      ))}
    </select>
  );
}

export function Textarea({ className, ...props }: ComponentProps<"textarea">) {
  return <textarea className={cx(controlClass, className)} {...props} />;
}

/** A checkbox with its label and hint beside it (the label names it; the hint describes it). */
export function Checkbox({
  id,
  label,
  hint,
  className,
  ...props
}: Omit<ComponentProps<"input">, "type" | "id"> & { id: string; label: string; hint?: string }) {
  return (
    <div className="flex items-start gap-2">
      <input
        id={id}
        type="checkbox"
        aria-describedby={hint ? `${id}-hint` : undefined}
        className={cx("size-6 shrink-0", className)}
        {...props}
      />
      <div className="flex flex-col">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        {hint ? (
          <p id={`${id}-hint`} className="text-xs text-slate-600">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}
