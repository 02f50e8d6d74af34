import type { CombinedError } from 'urql';

/** The server's own words: GraphQL error messages, else the network error. */
export function errorMessage(error: CombinedError): string {
  if (error.graphQLErrors.length > 0) {
    return error.graphQLErrors.map((e) => e.message).join('\n');
  }
  return error.networkError?.message ?? error.message;
}

/**
 * A mutation's failure as one line: a transport/GraphQL error, else the
 * payload's `errors` (GitLab's convention for validation failures); null on success.
 */
export function mutationFailure(
  result: { error?: CombinedError },
  payload: { errors: readonly string[] } | null | undefined,
): string | null {
  if (result.error) return errorMessage(result.error);
  if (!payload) return 'The server returned no result.';
  if (payload.errors.length > 0) return payload.errors.join('\n');
  return null;
}
