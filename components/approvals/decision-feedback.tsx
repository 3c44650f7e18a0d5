"use client";

import { createContext, useContext, useEffect, useRef, useState } from "react";
import { EMPTY_LIVE_REGION, SUCCESS_CLASS } from "@/components/ui/form-message";

const AnnounceContext = createContext<(message: string) => void>(() => {});

/**
 * Holds the outcome of the last decision above the list: the decided request leaves the
 * pending list at once, so its own form cannot show it. Focus moves to the message, since the
 * button that had it is gone.
 */
export function DecisionFeedback({ children }: { children: React.ReactNode }) {
  const [message, setMessage] = useState<string | null>(null);
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (message) ref.current?.focus();
  }, [message]);
  return (
    <AnnounceContext.Provider value={setMessage}>
      <p
        ref={ref}
        role="status"
        tabIndex={-1}
        className={message ? `${SUCCESS_CLASS} outline-none` : EMPTY_LIVE_REGION}
      >
        {message}
      </p>
      {children}
    </AnnounceContext.Provider>
  );
}

export function useAnnounceDecision(): (message: string) => void {
  return useContext(AnnounceContext);
}
