CREATE TABLE "cli_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"created_by" text NOT NULL,
	CONSTRAINT "cli_tokens_hash_hex" CHECK ("cli_tokens"."token_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "cli_tokens_revoked_both" CHECK (("cli_tokens"."revoked_at" IS NULL) = ("cli_tokens"."revoked_by" IS NULL))
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "break_glass" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cli_tokens" ADD CONSTRAINT "cli_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cli_tokens_hash_key" ON "cli_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "cli_tokens_user_idx" ON "cli_tokens" USING btree ("user_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_break_glass_idx" ON "audit_log" USING btree ("at" DESC NULLS LAST) WHERE "audit_log"."break_glass";--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_break_glass_actor" CHECK ("audit_log"."break_glass" = ("audit_log"."actor" LIKE 'break-glass:%'));--> statement-breakpoint
-- The flag follows the actor (which the row's hash covers): writers never set it themselves.
CREATE FUNCTION audit_log_break_glass() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.break_glass := NEW.actor LIKE 'break-glass:%';
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_break_glass BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_break_glass();
