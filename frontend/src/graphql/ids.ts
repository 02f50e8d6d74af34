/**
 * The row ID inside a GraphQL global ID: gid://kickoff/Project/1 → "1".
 * REST URLs, GitLab clients and CI variables know objects by this number;
 * GraphQL arguments take the global ID itself.
 */
export function numericId(globalId: string): string {
  const match = /^gid:\/\/kickoff\/[A-Za-z]+\/(\d+)$/.exec(globalId);
  return match ? match[1] : globalId;
}
