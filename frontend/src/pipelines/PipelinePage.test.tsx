import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { mockClient, WithClient } from '../test/urql';
import type { ProjectInfo, ProjectPermissions } from '../projects/ProjectContext';
import { developerPermissions, maintainerPermissions, WithProject } from '../test/project';
import { MASK, PipelinePage, VariablesTable } from './PipelinePage';

function detail(values: boolean) {
  return {
    data: {
      project: {
        __typename: 'Project',
        id: 'proj',
        pipeline: {
          __typename: 'Pipeline',
          id: 'p7',
          iid: 7,
          status: 'SUCCESS',
          ref: 'main',
          sha: 'b'.repeat(40),
          tag: false,
          source: 'trigger',
          failureReason: null,
          triggerShortToken: 'Zx9q',
          createdAt: '2025-01-01T00:00:00Z',
          updatedAt: '2025-01-01T00:01:00Z',
          startedAt: '2025-01-01T00:00:10Z',
          finishedAt: '2025-01-01T00:01:00Z',
          duration: 50,
          queuedDuration: 10,
          user: { __typename: 'User', id: 'u1', username: 'alice', name: 'Alice' },
          variables: [
            { __typename: 'CiVariable', key: 'CI_PIPELINE_SOURCE', value: values ? 'trigger' : null, file: false },
            { __typename: 'CiVariable', key: 'DEPLOY_ENV', value: values ? 'staging' : null, file: false },
          ],
          upstream: {
            __typename: 'Pipeline',
            id: 'p1',
            iid: 3,
            status: 'RUNNING',
            project: { __typename: 'Project', id: 'up', fullPath: 'acme/upstream' },
          },
          downstream: {
            __typename: 'PipelineConnection',
            nodes: [
              {
                __typename: 'Pipeline',
                id: 'p9',
                iid: 1,
                status: 'CREATED',
                project: { __typename: 'Project', id: 'dn', fullPath: 'acme/down' },
              },
            ],
          },
        },
      },
    },
  };
}

function renderDetail(userPermissions: ProjectPermissions, values: boolean, project: Partial<ProjectInfo> = {}) {
  const { client } = mockClient(() => detail(values));
  render(
    <WithClient client={client}>
      <WithProject project={{ userPermissions, ...project }}>
        <MemoryRouter>
          <PipelinePage iid="7" />
        </MemoryRouter>
      </WithProject>
    </WithClient>,
  );
}

describe('PipelinePage', () => {
  it('shows status, ref, sha, source, trigger short token, user and up/downstream links', () => {
    renderDetail(maintainerPermissions, true);
    expect(screen.getByRole('heading', { name: 'Pipeline #7' })).toBeTruthy();
    expect(screen.getByText('b'.repeat(40))).toBeTruthy();
    expect(screen.getByText('Zx9q')).toBeTruthy();
    expect(screen.getByText('Alice (@alice)')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'acme/upstream #3' }).getAttribute('href')).toBe('/acme/upstream/-/pipelines/3');
    expect(screen.getByRole('link', { name: 'acme/down #1' }).getAttribute('href')).toBe('/acme/down/-/pipelines/1');
  });

  it('shows variable values to Maintainers', () => {
    renderDetail(maintainerPermissions, true);
    const table = screen.getByRole('table', { name: 'Variables' });
    expect(within(table).getByText('staging')).toBeTruthy();
    expect(within(table).queryByText(MASK)).toBeNull();
    expect(screen.queryByText(/visible to project Maintainers only/)).toBeNull();
  });

  it('masks variable values for everyone else', () => {
    renderDetail(developerPermissions, false);
    const table = screen.getByRole('table', { name: 'Variables' });
    expect(within(table).getByText('DEPLOY_ENV')).toBeTruthy();
    expect(within(table).getAllByText(MASK)).toHaveLength(2);
    expect(within(table).queryByText('staging')).toBeNull();
    expect(screen.getByText(/visible to project Maintainers only/)).toBeTruthy();
  });

  it('says who reads job logs instead of showing the log to those who may not', () => {
    renderDetail(developerPermissions, false);
    expect(screen.queryByLabelText('Job log')).toBeNull();
    expect(screen.getByText('Job logs of this project are visible to Maintainers and above.')).toBeTruthy();
  });

  it('shows the job log to Developers once the project opens logs to them', () => {
    renderDetail({ ...developerPermissions, readJobLog: true }, false, { jobLogAccessLevel: 'DEVELOPER' });
    expect(screen.getByLabelText('Job log')).toBeTruthy();
    expect(screen.queryByText(/Job logs of this project/)).toBeNull();
  });
});

describe('VariablesTable', () => {
  it('masks exactly the variables whose value is null', () => {
    render(
      <VariablesTable
        variables={[
          { key: 'A', value: 'shown', file: false },
          { key: 'B', value: null, file: true },
        ]}
      />,
    );
    const rows = screen.getAllByRole('row').slice(1);
    expect(within(rows[0]).getByText('shown')).toBeTruthy();
    expect(within(rows[1]).getByText(MASK)).toBeTruthy();
    expect(MASK).toBe('•••••');
    expect(within(rows[1]).getByText('file')).toBeTruthy();
  });
});
