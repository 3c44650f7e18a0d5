import "server-only";
import type { Database } from "@/db/client";
import { createSignInThrottle, type SignInThrottle } from "@/lib/auth/sign-in";
import { env } from "@/lib/env";
import { services } from "./services";

/** The console's sign-in throttle: one per database client (its limiters keep a sweep timer). */
export function signInThrottle(db: Database): SignInThrottle {
  const cached = services.signInThrottle;
  if (cached && cached.db === db) return cached.throttle;
  const throttle = createSignInThrottle(db, env().signIn);
  services.signInThrottle = { db, throttle };
  return throttle;
}
