import { describe, expect, it, vi } from 'vitest';
import { createExplorerFetcher } from './fetcher';

describe('createExplorerFetcher', () => {
  it('POSTs with the session cookie, JSON content type and the CSRF header', async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => new Response('{"data":{"currentUser":{"username":"admin"}}}'));
    const fetcher = createExplorerFetcher(fetchMock);
    const result = await fetcher({ query: '{ currentUser { username } }' }, { headers: { 'X-Extra': 'yes' } });
    expect(result).toEqual({ data: { currentUser: { username: 'admin' } } });
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/graphql');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    const headers = new Headers(init?.headers);
    expect(headers.get('x-kickoff-csrf')).toBe('1');
    expect(headers.get('content-type')).toBe('application/json');
    expect(headers.get('x-extra')).toBe('yes');
  });

  it('turns a non-JSON answer into a GraphQL error', async () => {
    const fetcher = createExplorerFetcher(async () => new Response('Bad Gateway', { status: 502 }));
    const result = await fetcher({ query: '{ __typename }' });
    expect(result.errors?.[0].message).toBe('HTTP 502: Bad Gateway');
  });
});
