"use client";

import { useEffect, useState } from "react";
import { THEME_KEY } from "./theme-script";

type Theme = "system" | "light" | "dark";
const NEXT: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const LABEL: Record<Theme, string> = { system: "System", light: "Light", dark: "Dark" };

/**
 * The console header's theme switch: System (follows prefers-color-scheme), Light, Dark, in turn.
 * The choice sticks in this browser (localStorage).
 */
export function ThemeToggle({ className = "" }: { className?: string }) {
  const [theme, setTheme] = useState<Theme>("system");
  useEffect(() => {
    const pinned = document.documentElement.dataset.theme;
    if (pinned === "light" || pinned === "dark") setTheme(pinned);
  }, []);
  const choose = (next: Theme) => {
    setTheme(next);
    try {
      if (next === "system") localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, next);
    } catch {
      // Storage refused (private mode): the choice lasts for this page only.
    }
    if (next === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = next;
  };
  return (
    <button
      type="button"
      onClick={() => choose(NEXT[theme])}
      title="Colour theme: System follows your device; Light and Dark stay as chosen in this browser"
      className={`inline-flex min-h-8 items-center gap-1.5 rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-slate-900 ${className}`}
    >
      <svg aria-hidden="true" viewBox="0 0 16 16" className="size-4" fill="none" stroke="currentColor">
        <circle cx="8" cy="8" r="6" strokeWidth="1.5" />
        <path d="M8 2a6 6 0 0 1 0 12z" fill="currentColor" />
      </svg>
      {/* "Theme: " is read out everywhere, shown from the sm breakpoint (the phone bar is narrow). */}
      <span className="sr-only sm:not-sr-only">Theme: </span>
      {LABEL[theme]}
    </button>
  );
}
