import type { ReactNode } from 'react';
import { CombinedError, Provider, type Client } from 'urql';
import { concat, fromValue, never, pipe, subscribe, type Source } from 'wonka';
import { vi } from 'vitest';

type Result = { data?: unknown; error?: unknown };

/**
 * A urql client that never touches the network: executeQuery answers each
 * operation with whatever `respond` returns for its variables (a `fromValue`
 * stream), or stays pending when it returns undefined. The stream then stays
 * open like a real client's query stream; one that ends makes urql reset
 * `error` (its end-of-stream update carries no error).
 */
export function mockClient(
  respond: (variables: Record<string, unknown>) => Result | undefined,
  options: { subscription?: Source<Result> } = {},
) {
  const executeQuery = vi.fn((request: { variables: Record<string, unknown> }) => {
    const result = respond(request.variables);
    return result ? concat([fromValue(result), never]) : never;
  });
  // Subscriptions fail as without a websocket, unless the test feeds one.
  const executeSubscription = vi.fn(
    (_request?: unknown) => options.subscription ?? concat([fromValue({ error: new CombinedError({ networkError: new Error('no websocket in tests') }) }), never]),
  );
  // client.query(...).toPromise(), for components that read imperatively.
  const query = vi.fn((_document: unknown, variables: Record<string, unknown>) => ({
    toPromise: () => Promise.resolve(respond(variables) ?? {}),
  }));
  // client.subscription(...).subscribe(cb), likewise.
  const subscription = vi.fn((_document: unknown, variables: Record<string, unknown>) => ({
    subscribe: (onResult: (r: Result) => void) => pipe(executeSubscription(variables), subscribe(onResult)),
  }));
  const client = { executeQuery, executeMutation: vi.fn(), executeSubscription, query, subscription } as unknown as Client;
  return { client, executeQuery, executeSubscription, query, subscription };
}

export function WithClient({ client, children }: { client: Client; children: ReactNode }) {
  return <Provider value={client}>{children}</Provider>;
}
