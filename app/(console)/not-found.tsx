import { PageNotFound } from "@/components/console/page-not-found";

export const metadata = { title: "Page not found · x402 console" };

/** A console page's notFound() (an unknown agent or transaction): the message inside the console. */
export default function ConsoleNotFound() {
  return <PageNotFound back={{ href: "/overview", label: "Back to the overview" }} />;
}
