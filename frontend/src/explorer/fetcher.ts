import { GraphQLError, type ExecutionResult } from 'graphql';
import { GRAPHQL_HEADERS, GRAPHQL_URL } from '../graphql/client';

export type ExplorerRequest = { query: string; operationName?: string | null; variables?: unknown };

/**
 * GraphiQL's fetcher: the same POST the app's client makes (session cookie,
 * JSON content type, CSRF header), answering the server's JSON body whatever
 * the HTTP status so GraphiQL shows the server's own errors.
 */
export function createExplorerFetcher(fetchImpl: typeof fetch = (...args) => fetch(...args)) {
  return async (params: ExplorerRequest, options?: { headers?: Record<string, unknown> }): Promise<ExecutionResult> => {
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(options?.headers ?? {})) {
      if (typeof v === 'string') extra[k.toLowerCase()] = v;
    }
    const response = await fetchImpl(GRAPHQL_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { ...extra, ...GRAPHQL_HEADERS },
      body: JSON.stringify(params),
    });
    const text = await response.text();
    try {
      return JSON.parse(text) as ExecutionResult;
    } catch {
      // Not JSON (a proxy's error page): GraphiQL shows it as an error.
      const message = `HTTP ${response.status}: ${text.slice(0, 500) || response.statusText}`;
      return { errors: [new GraphQLError(message)] };
    }
  };
}
