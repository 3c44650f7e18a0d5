CREATE TABLE "treasury_owners" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"address" text NOT NULL,
	"label" text,
	"added_by" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_by" text,
	"removed_at" timestamp with time zone,
	CONSTRAINT "treasury_owners_address_lower_hex" CHECK ("treasury_owners"."address" ~ '^0x[0-9a-f]{40}$'),
	CONSTRAINT "treasury_owners_removed_both" CHECK (("treasury_owners"."removed_at" IS NULL) = ("treasury_owners"."removed_by" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "treasury_owners_active_address" ON "treasury_owners" USING btree ("address") WHERE "treasury_owners"."removed_at" IS NULL;