import { describe, expect, it } from 'vitest';
import { parseProjectUrl } from './paths';

describe('parseProjectUrl', () => {
  it.each([
    ['acme/demo', { fullPath: 'acme/demo', view: { kind: 'pipelines' } }],
    ['acme/demo/', { fullPath: 'acme/demo', view: { kind: 'pipelines' } }],
    ['acme/sub/demo/-/pipelines', { fullPath: 'acme/sub/demo', view: { kind: 'pipelines' } }],
    ['acme/demo/-/pipelines/12', { fullPath: 'acme/demo', view: { kind: 'pipeline', iid: '12' } }],
    ['acme/demo/-/settings/ci_cd', { fullPath: 'acme/demo', view: { kind: 'settings-ci' } }],
    ['acme/demo/-/hooks', { fullPath: 'acme/demo', view: { kind: 'settings-webhooks' } }],
    ['acme/sub/demo/-/hooks/', { fullPath: 'acme/sub/demo', view: { kind: 'settings-webhooks' } }],
    ['acme/demo/-/audit_events', { fullPath: 'acme/demo', view: { kind: 'audit-events' } }],
    ['acme/demo/-/project_members', { fullPath: 'acme/demo', view: { kind: 'members' } }],
  ])('%s', (url, expected) => {
    expect(parseProjectUrl(url)).toEqual(expected);
  });

  it.each(['', '-/x', 'acme/demo/-/nope', 'acme/demo/-/pipelines/abc', 'acme/demo/-/hooks/1', 'acme/../x', 'a b/c'])('rejects %j', (url) => {
    expect(parseProjectUrl(url)).toBeNull();
  });
});
