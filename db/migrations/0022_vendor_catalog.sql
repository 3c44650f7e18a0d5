CREATE TYPE "public"."vendor_source" AS ENUM('discovery', '402');--> statement-breakpoint
CREATE TABLE "vendor_price_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"host" text NOT NULL,
	"url" text NOT NULL,
	"method" text NOT NULL,
	"observed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" "vendor_source" NOT NULL,
	"scheme" text NOT NULL,
	"amount_micro" bigint NOT NULL,
	"pay_to" text NOT NULL,
	"agent_id" text
);
--> statement-breakpoint
CREATE TABLE "vendor_resources" (
	"host" text NOT NULL,
	"url" text NOT NULL,
	"method" text NOT NULL,
	"scheme" text NOT NULL,
	"network" text NOT NULL,
	"asset" text NOT NULL,
	"pay_to" text NOT NULL,
	"advertised_micro" bigint,
	"advertised_at" timestamp with time zone,
	"asked_micro" bigint,
	"asked_at" timestamp with time zone,
	"description" text,
	"first_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vendor_resources_url_method_pk" PRIMARY KEY("url","method"),
	CONSTRAINT "vendor_resources_scheme" CHECK ("vendor_resources"."scheme" IN ('exact', 'upto')),
	CONSTRAINT "vendor_resources_url_len" CHECK (length("vendor_resources"."url") <= 1100),
	CONSTRAINT "vendor_resources_description_len" CHECK (length("vendor_resources"."description") <= 500),
	CONSTRAINT "vendor_resources_amounts" CHECK ("vendor_resources"."advertised_micro" >= 0 AND "vendor_resources"."asked_micro" >= 0)
);
--> statement-breakpoint
CREATE TABLE "vendors" (
	"host" text PRIMARY KEY NOT NULL,
	"description" text,
	"source" "vendor_source" NOT NULL,
	"pay_to" text,
	"accepted_pay_to" text,
	"pay_to_accepted_at" timestamp with time zone,
	"pay_to_accepted_by" text,
	"first_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"last_discovered_at" timestamp with time zone,
	"last_402_at" timestamp with time zone,
	CONSTRAINT "vendors_host_len" CHECK (length("vendors"."host") BETWEEN 1 AND 260),
	CONSTRAINT "vendors_description_len" CHECK (length("vendors"."description") <= 500),
	CONSTRAINT "vendors_pay_to_len" CHECK (length("vendors"."pay_to") <= 128 AND length("vendors"."accepted_pay_to") <= 128)
);
--> statement-breakpoint
ALTER TABLE "vendor_price_history" ADD CONSTRAINT "vendor_price_history_host_vendors_host_fk" FOREIGN KEY ("host") REFERENCES "public"."vendors"("host") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vendor_resources" ADD CONSTRAINT "vendor_resources_host_vendors_host_fk" FOREIGN KEY ("host") REFERENCES "public"."vendors"("host") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "vendor_price_history_resource_idx" ON "vendor_price_history" USING btree ("url","method","source","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "vendor_price_history_host_idx" ON "vendor_price_history" USING btree ("host","observed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "vendor_resources_host_idx" ON "vendor_resources" USING btree ("host","url");--> statement-breakpoint
CREATE INDEX "vendors_last_seen_idx" ON "vendors" USING btree ("last_seen" DESC NULLS LAST);