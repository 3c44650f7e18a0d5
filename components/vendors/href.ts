/** The URL path of a vendor's page: its host percent-encoded (the `:` of a port, IPv6 brackets). */
export function vendorHref(host: string): string {
  return `/vendors/${encodeURIComponent(host)}`;
}
