/** A keyset page as every list route of the gateway answers it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** At most this many pages are followed by one iteration, so a loop in the cursors cannot spin forever. */
export const PAGES_FOLLOWED_MAX = 10_000;

/**
 * The items of every page, in order, fetching the next page only when the caller gets that far: a
 * `for await` that breaks early never asks for more.
 */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>) {
  let cursor: string | undefined;
  for (let pageNo = 0; pageNo < PAGES_FOLLOWED_MAX; pageNo++) {
    const page = await fetchPage(cursor);
    yield* page.items;
    if (page.nextCursor === null) return;
    cursor = page.nextCursor;
  }
  throw new Error(`followed ${PAGES_FOLLOWED_MAX} pages without reaching the end`);
}
