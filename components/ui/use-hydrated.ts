import { useSyncExternalStore } from "react";

const noSubscribe = () => () => {};

/** True in the browser after hydration; false on the server and while hydrating (same markup both sides). */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
}
