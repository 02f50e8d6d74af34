/** What a project URL points at, after the `/-/` separator (GitLab's scheme). */
export type ProjectView =
  | { kind: 'pipelines' }
  | { kind: 'pipeline'; iid: string }
  | { kind: 'settings-ci' }
  | { kind: 'settings-webhooks' }
  | { kind: 'audit-events' }
  | { kind: 'members' };

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

/**
 * Splits "group/name/-/pipelines/3" into the project's full path and the page.
 * `/<fullPath>` alone shows the pipelines, like a project's home. Null for
 * anything that is not a project URL we serve.
 */
export function parseProjectUrl(splat: string): { fullPath: string; view: ProjectView } | null {
  const trimmed = splat.replace(/^\/+|\/+$/g, '');
  const sep = trimmed.indexOf('/-/');
  const fullPath = sep === -1 ? trimmed : trimmed.slice(0, sep);
  const rest = sep === -1 ? '' : trimmed.slice(sep + 3).replace(/\/+$/, '');
  if (!fullPath || !fullPath.split('/').every((s) => SEGMENT.test(s) && s !== '-' && s !== '.' && s !== '..')) return null;
  if (sep === -1 && trimmed.endsWith('/-')) return null;
  if (rest === '' || rest === 'pipelines') return { fullPath, view: { kind: 'pipelines' } };
  const detail = /^pipelines\/(\d+)$/.exec(rest);
  if (detail) return { fullPath, view: { kind: 'pipeline', iid: detail[1] } };
  if (rest === 'settings/ci_cd') return { fullPath, view: { kind: 'settings-ci' } };
  if (rest === 'hooks') return { fullPath, view: { kind: 'settings-webhooks' } };
  if (rest === 'audit_events') return { fullPath, view: { kind: 'audit-events' } };
  if (rest === 'project_members') return { fullPath, view: { kind: 'members' } };
  return null;
}

export const projectUrl = {
  pipelines: (fullPath: string) => `/${fullPath}/-/pipelines`,
  pipeline: (fullPath: string, iid: number | string) => `/${fullPath}/-/pipelines/${iid}`,
  settingsCi: (fullPath: string) => `/${fullPath}/-/settings/ci_cd`,
  settingsWebhooks: (fullPath: string) => `/${fullPath}/-/hooks`,
  auditEvents: (fullPath: string) => `/${fullPath}/-/audit_events`,
  members: (fullPath: string) => `/${fullPath}/-/project_members`,
};
