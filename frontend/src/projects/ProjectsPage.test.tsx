import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { CombinedError } from 'urql';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, type Mock } from 'vitest';
import { fromValue } from 'wonka';
import { mockClient, WithClient } from '../test/urql';
import { PAGE_SIZE, ProjectsPage } from './ProjectsPage';

function project(n: number, description = '') {
  return {
    __typename: 'Project',
    id: `p${n}`,
    name: `Project ${n}`,
    fullPath: `group/project-${n}`,
    description,
  };
}

function connection(nodes: ReturnType<typeof project>[], opts: { totalCount?: number; endCursor?: string | null } = {}) {
  return {
    data: {
      projects: {
        __typename: 'ProjectConnection',
        totalCount: opts.totalCount ?? nodes.length,
        pageInfo: { __typename: 'PageInfo', hasNextPage: Boolean(opts.endCursor), endCursor: opts.endCursor ?? null },
        edges: nodes.map((node) => ({ __typename: 'ProjectEdge', node })),
      },
    },
  };
}

function renderPage(respond: Parameters<typeof mockClient>[0], url = '/') {
  const mock = mockClient(respond);
  render(
    <WithClient client={mock.client}>
      <MemoryRouter initialEntries={[url]}>
        <ProjectsPage />
      </MemoryRouter>
    </WithClient>,
  );
  return mock;
}

describe('ProjectsPage', () => {
  it('lists projects with links to their full paths', () => {
    const { executeQuery } = renderPage(() =>
      connection([project(1, 'Deploys the website'), project(2)], { totalCount: 2 }),
    );

    const list = screen.getByRole('list', { name: 'Projects' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(within(list).getByRole('link', { name: 'Project 1' }).getAttribute('href')).toBe('/group/project-1');
    expect(within(list).getByRole('link', { name: 'Project 2' }).getAttribute('href')).toBe('/group/project-2');
    expect(within(items[0]).getByText('Deploys the website')).toBeTruthy();
    expect(screen.getByLabelText('2 projects').textContent).toBe('2');
    expect(screen.queryByText('No projects yet')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(executeQuery.mock.calls[0][0].variables).toEqual({ search: null, first: PAGE_SIZE, after: null });
  });

  it('shows the empty state when there are no projects', () => {
    renderPage(() => connection([], { totalCount: 0 }));
    expect(screen.getByText('No projects yet')).toBeTruthy();
    expect(screen.queryAllByRole('listitem')).toHaveLength(0);
  });

  it('shows a loading state while the first page is on its way', () => {
    renderPage(() => undefined);
    expect(screen.getByRole('status').textContent).toBe('Loading projects…');
  });

  it("shows the server's GraphQL error message", () => {
    renderPage(() => ({
      error: new CombinedError({ graphQLErrors: [{ message: 'complexity limit exceeded' }] }),
    }));
    const alert = screen.getByRole('alert');
    expect(within(alert).getByText('complexity limit exceeded')).toBeTruthy();
    expect(within(alert).getByText('Could not load projects')).toBeTruthy();
  });

  it('loads the next page after the end cursor', async () => {
    const user = userEvent.setup();
    const { executeQuery } = renderPage((vars) =>
      vars.after === 'cursor-1'
        ? connection([project(3)], { totalCount: 3 })
        : connection([project(1), project(2)], { totalCount: 3, endCursor: 'cursor-1' }),
    );

    expect(screen.getAllByRole('listitem')).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Load more' }));

    const names = screen.getAllByRole('link', { name: /^Project / }).map((a) => a.textContent);
    expect(names).toEqual(['Project 1', 'Project 2', 'Project 3']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(executeQuery.mock.calls.some(([req]) => req.variables.after === 'cursor-1')).toBe(true);
  });

  it('searches by the typed text', async () => {
    const user = userEvent.setup();
    renderPage((vars) =>
      vars.search === 'web' ? connection([project(7)], { totalCount: 1 }) : connection([project(1), project(2)]),
    );

    expect(screen.getAllByRole('listitem')).toHaveLength(2);
    await user.type(screen.getByRole('searchbox', { name: 'Search projects' }), 'web{Enter}');

    expect(await screen.findByRole('link', { name: 'Project 7' })).toBeTruthy();
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
  });

  it('says when a search matches nothing', () => {
    renderPage(() => connection([], { totalCount: 0 }), '/?search=nope');
    expect(screen.getByText('No projects match “nope”')).toBeTruthy();
    expect((screen.getByRole('searchbox') as HTMLInputElement).value).toBe('nope');
  });

  it('creates a project through the New project form and opens it', async () => {
    const user = userEvent.setup();
    const mock = mockClient(() => connection([]));
    const executeMutation = mock.client.executeMutation as unknown as Mock;
    executeMutation.mockImplementation((request: { variables: unknown }) =>
      fromValue({
        operation: request,
        data: { projectCreate: { __typename: 'ProjectCreatePayload', project: { __typename: 'Project', id: 'p9', fullPath: 'acme/web' }, errors: [] } },
      }),
    );
    render(
      <WithClient client={mock.client}>
        <MemoryRouter initialEntries={['/']}>
          <Routes>
            <Route path="/" element={<ProjectsPage />} />
            <Route path="/acme/web" element={<p>project page</p>} />
          </Routes>
        </MemoryRouter>
      </WithClient>,
    );
    const toggle = screen.getByRole('button', { name: 'New project' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await user.click(toggle);
    await user.type(screen.getByLabelText('Project name'), 'Web');
    await user.type(screen.getByLabelText('Project path'), 'acme/web');
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    expect(await screen.findByText('project page')).toBeTruthy();
    expect(executeMutation.mock.calls[0][0].variables).toEqual({
      input: { name: 'Web', path: 'acme/web', description: null, defaultBranch: null },
    });
  });

  it('shows projectCreate errors in an alert', async () => {
    const user = userEvent.setup();
    const mock = renderPage(() => connection([]));
    (mock.client.executeMutation as unknown as Mock).mockImplementation((request: unknown) =>
      fromValue({
        operation: request,
        data: { projectCreate: { __typename: 'ProjectCreatePayload', project: null, errors: ['path is invalid'] } },
      }),
    );
    await user.click(screen.getByRole('button', { name: 'New project' }));
    await user.type(screen.getByLabelText('Project name'), 'Web');
    await user.type(screen.getByLabelText('Project path'), 'nope{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe('path is invalid');
  });
});
