import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { env } from "@/lib/env";
import { signInThrottle } from "@/lib/server/auth";
import { appDb } from "@/lib/server/db";
import { clientIp, signInWithPassword, throttledMessage } from "./sign-in";

/** next-auth v4: email + password against the users table (bcrypt), JWT sessions. */
export const authOptions: NextAuthOptions = {
  secret: env().authSecret,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, req) {
        const email = String(credentials?.email ?? "").trim();
        const password = String(credentials?.password ?? "");
        if (!email || !password) return null;
        const db = appDb();
        const result = await signInWithPassword(db, signInThrottle(db), {
          email,
          password,
          ip: clientIp(req?.headers, env().trustedProxies),
        });
        // next-auth hands a thrown error's message to the login form as `error`.
        if (!result.ok && result.code === "throttled")
          throw new Error(throttledMessage(result.retryAfterSeconds));
        if (!result.ok) return null;
        const { user } = result;
        return { id: user.id, email: user.email, name: user.name ?? user.email, role: user.role };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) token.role = user.role;
      return token;
    },
    async session({ session, token }) {
      if (session.user) {
        session.user.id = token.sub;
        session.user.role = token.role;
      }
      return session;
    },
  },
};
