import type { AccessLevel } from '../graphql/generated/graphql';

/** The levels a member can be given, lowest first, with GitLab's names. */
export const MEMBER_LEVELS: readonly { value: AccessLevel; label: string }[] = [
  { value: 'GUEST', label: 'Guest' },
  { value: 'REPORTER', label: 'Reporter' },
  { value: 'DEVELOPER', label: 'Developer' },
  { value: 'MAINTAINER', label: 'Maintainer' },
  { value: 'OWNER', label: 'Owner' },
];

export function levelLabel(level: AccessLevel): string {
  return MEMBER_LEVELS.find((l) => l.value === level)?.label ?? 'No access';
}
