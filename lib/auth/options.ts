import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { appDb } from "@/lib/dal/db";
import { env } from "@/lib/env";
import { writeAudit } from "@/lib/payment-core/audit";
import type { Role } from "@/lib/payment-core/users";
import { verifyUserPassword } from "@/lib/payment-core/users";

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
      async authorize(credentials) {
        const email = String(credentials?.email ?? "").trim();
        const password = String(credentials?.password ?? "");
        if (!email || !password) return null;
        const db = appDb();
        const user = await verifyUserPassword(db, email, password);
        if (!user) return null;
        await writeAudit(db.$client, {
          actor: user.email,
          action: "user.sign_in",
          targetType: "user",
          targetId: user.id,
        });
        return { id: user.id, email: user.email, name: user.name ?? user.email, role: user.role };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) token.role = (user as { role?: Role }).role;
      return token;
    },
    async session({ session, token }) {
      if (session.user) {
        (session.user as { id?: string }).id = token.sub;
        (session.user as { role?: Role }).role = token.role as Role;
      }
      return session;
    },
  },
};
