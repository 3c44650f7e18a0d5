import { NotFoundPage } from "@/components/ui/page-header";

/** What an address with no page shows, inside the console or (signed out) on its own. */
export function PageNotFound({ back }: { back: { href: string; label: string } }) {
  return (
    <NotFoundPage title="Page not found" back={back}>
      There is no page at this address: the link may be mistyped, or the page may have moved.
    </NotFoundPage>
  );
}
