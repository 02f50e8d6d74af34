import { createClient as createSocketClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';

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

/** The GraphQL endpoint as a websocket URL (graphql-transport-ws), for subscriptions. */
export function socketURL(location: Pick<Location, 'href'> = window.location): string {
  const url = new URL(GRAPHQL_URL, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function createGraphQLClient(options: { fetch?: typeof fetch } = {}): Client {
  // One socket for every subscription, opened by the first and closed a
  // little after the last ends. The session cookie authenticates it; the
  // server checks the Origin header as it checks the CSRF header on POSTs.
  const socket = createSocketClient({ url: () => socketURL(), lazy: true, lazyCloseTimeout: 3000, retryAttempts: 3 });
  return new Client({
    url: GRAPHQL_URL,
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
    // Always POST: GET would drop the content-type header and put queries in logs.
    preferGetMethod: false,
    fetch: options.fetch,
    fetchOptions: () => ({
      credentials: 'same-origin',
      headers: { ...GRAPHQL_HEADERS },
    }),
  });
}
