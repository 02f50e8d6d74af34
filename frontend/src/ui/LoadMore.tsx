import { useState } from 'react';

/**
 * The pages of a cursor-paginated list: one entry per loaded page, the cursor
 * it starts after (null = the first page). `last` is the page the footer
 * watches; `loadMore` appends the next one.
 */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursors,
    last: cursors[cursors.length - 1],
    loadMore: (cursor: string) => setCursors((prev) => [...prev, cursor]),
  };
}

/**
 * The "Load more" footer under a paginated list, for the last loaded page
 * (`after` is the cursor it starts after, `page` its data once it arrived).
 * Renders nothing when there is no next page.
 */
export function LoadMore({
  after,
  fetching,
  page,
  onLoadMore,
}: {
  after: string | null;
  fetching: boolean;
  page: { pageInfo: { hasNextPage: boolean; endCursor?: string | null } } | null | undefined;
  onLoadMore: (cursor: string) => void;
}) {
  const loadingMore = after !== null && fetching && !page;
  const cursor = page?.pageInfo.endCursor;
  if (!loadingMore && !(page?.pageInfo.hasNextPage && cursor)) return null;
  return (
    <div className="list-footer">
      <button
        type="button"
        className="btn"
        aria-disabled={loadingMore}
        onClick={() => {
          if (!loadingMore && cursor) onLoadMore(cursor);
        }}
      >
        {loadingMore ? 'Loading…' : 'Load more'}
      </button>
    </div>
  );
}
