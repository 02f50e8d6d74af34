import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { mockClient, WithClient } from '../test/urql';
import type { ProjectPermissions } from '../projects/ProjectContext';
import { developerPermissions, maintainerPermissions, WithProject } from '../test/project';
import { CiCdSettingsPage } from './CiCdSettingsPage';

function renderAs(userPermissions: ProjectPermissions) {
  const { client, executeQuery } = mockClient(() => ({
    data: {
      project: {
        __typename: 'Project',
        id: 'proj',
        pipelineTriggers: { __typename: 'PipelineTriggerConnection', totalCount: 0, nodes: [] },
        runners: { __typename: 'RunnerConnection', totalCount: 0, nodes: [] },
        ciJobTokenScope: {
          __typename: 'CiJobTokenScope',
          inboundAllowlist: {
            __typename: 'ProjectConnection',
            totalCount: 1,
            nodes: [{ __typename: 'Project', id: 'proj', name: 'Demo', fullPath: 'acme/demo' }],
          },
        },
        refs: {
          __typename: 'RefConnection',
          totalCount: 1,
          nodes: [{ __typename: 'Ref', id: 'r1', name: 'main', type: 'BRANCH', sha: null }],
        },
      },
    },
  }));
  render(
    <WithClient client={client}>
      <WithProject project={{ userPermissions }}>
        <MemoryRouter>
          <CiCdSettingsPage />
        </MemoryRouter>
      </WithProject>
    </WithClient>,
  );
  return executeQuery;
}

describe('CiCdSettingsPage', () => {
  it('shows the Pipeline trigger tokens section to Maintainers', () => {
    renderAs(maintainerPermissions);
    expect(screen.getByRole('heading', { name: 'Pipeline trigger tokens' })).toBeTruthy();
    expect(screen.getByLabelText('Description')).toBeTruthy();
    expect(screen.getByLabelText(/Expiration date/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create pipeline trigger token' })).toBeTruthy();
    expect(screen.getByRole('tablist', { name: 'Usage examples' })).toBeTruthy();
  });

  it('shows the Runners, Job token permissions, Job logs and Branches and tags sections below the trigger tokens', () => {
    renderAs(maintainerPermissions);
    const headings = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent);
    expect(headings).toEqual(['Pipeline trigger tokens', 'Runners', 'Job token permissions', 'Job logs', 'Branches and tags']);
    expect(screen.getByLabelText('Project path')).toBeTruthy();
    expect(screen.getByRole('row', { name: /acme\/demo/ })).toBeTruthy();
    expect(screen.getByLabelText(/Runner description/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create runner' })).toBeTruthy();
    expect(screen.getByLabelText('Ref name')).toBeTruthy();
    expect(screen.getByRole('row', { name: /main/ })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Delete branch main' })).toBeNull();
  });

  it('tells Developers they need the Maintainer role, without asking for the tokens', () => {
    const executeQuery = renderAs(developerPermissions);
    expect(screen.getByText('You need the Maintainer role')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Pipeline trigger tokens' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Runners' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Job token permissions' })).toBeNull();
    expect(executeQuery).not.toHaveBeenCalled();
  });
});
