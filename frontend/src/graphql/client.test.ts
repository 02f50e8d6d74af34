import { describe, expect, it, vi } from 'vitest';
import { CurrentUserDocument } from './generated/graphql';
import { createGraphQLClient } from './client';

describe('createGraphQLClient', () => {
  it('POSTs to /api/graphql with the CSRF and JSON content-type headers and same-origin cookies', async () => {
    const fetchMock = vi.fn<typeof fetch>(
      async () =>
        new Response(JSON.stringify({ data: { currentUser: null } }), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const client = createGraphQLClient({ fetch: fetchMock });

    const result = await client.query(CurrentUserDocument, {}).toPromise();

    expect(result.error).toBeUndefined();
    expect(result.data?.currentUser).toBeNull();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/graphql');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    const headers = new Headers(init?.headers);
    // Exactly one value each: a duplicated content-type would read "application/json, application/json".
    expect(headers.get('content-type')).toBe('application/json');
    expect(headers.get('x-kickoff-csrf')).toBe('1');
    const body = JSON.parse(String(init?.body));
    expect(body.operationName).toBe('CurrentUser');
    expect(body.query).toContain('currentUser');
  });
});
