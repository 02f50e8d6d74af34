import type { CombinedError } from 'urql';

/** The server's own words: GraphQL error messages, else the network error. */
export function errorMessage(error: CombinedError): string {
  if (error.graphQLErrors.length > 0) {
    return error.graphQLErrors.map((e) => e.message).join('\n');
  }
  return error.networkError?.message ?? error.message;
}
