import { Client, cacheExchange, fetchExchange } from 'urql';

export const GRAPHQL_URL = '/api/graphql';

/**
 * Headers sent with every GraphQL request. The server rejects cookie-authenticated
 * requests that lack them (SPEC §3): a cross-site form or <img> cannot set a custom
 * header nor a JSON content type without a CORS preflight, which the server refuses.
 * Keys are lower-case because urql lower-cases them too; mixed case would make it add
 * its own content-type next to ours.
 */
export const GRAPHQL_HEADERS = {
  'content-type': 'application/json',
  'x-kickoff-csrf': '1',
} as const;

export function createGraphQLClient(options: { fetch?: typeof fetch } = {}): Client {
  return new Client({
    url: GRAPHQL_URL,
    exchanges: [cacheExchange, fetchExchange],
    // Always POST: GET would drop the content-type header and put queries in logs.
    preferGetMethod: false,
    fetch: options.fetch,
    fetchOptions: () => ({
      credentials: 'same-origin',
      headers: { ...GRAPHQL_HEADERS },
    }),
  });
}
