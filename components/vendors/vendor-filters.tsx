import { FilterPanel, SelectFilter, TextFilter } from "@/components/filters/filter-fields";
import { VENDOR_SORTS } from "@/lib/payment-core/vendors/read";

/** The Vendors page's search and order, as a GET form (the URL holds them). */
export function VendorFilters({
  values,
  error,
}: {
  values: Partial<Record<"q" | "sort" | "order", string>>;
  error: { field: string; message: string } | null;
}) {
  return (
    <FilterPanel action="/vendors" idPrefix="vendors" values={values} error={error}>
      {(field) => (
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-[2fr_1fr_1fr]">
          <TextFilter
            {...field("q")}
            type="search"
            label="Search host or description"
            placeholder="api.example.com"
          />
          <SelectFilter
            {...field("sort")}
            label="Sort by"
            options={VENDOR_SORTS}
            anyLabel="Last seen (default)"
          />
          <SelectFilter
            {...field("order")}
            label="Order"
            options={["asc", "desc"]}
            anyLabel="The column's default"
          />
        </div>
      )}
    </FilterPanel>
  );
}
