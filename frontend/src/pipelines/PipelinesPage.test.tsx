import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockClient, WithClient } from '../test/urql';
import { WithProject } from '../test/project';
import { makeSubject } from 'wonka';
import { PAGE_SIZE, PipelinesPage } from './PipelinesPage';
import { POLL_INTERVAL_MS } from './usePipelineEvents';

function pipeline(iid: number, over: Record<string, unknown> = {}) {
  return {
    __typename: 'Pipeline',
    id: `p${iid}`,
    iid,
    status: 'CREATED',
    ref: 'main',
    sha: 'a'.repeat(40),
    tag: false,
    source: 'trigger',
    triggerShortToken: 'Ab12',
    createdAt: new Date().toISOString(),
    user: { __typename: 'User', id: 'u1', username: 'alice', name: 'Alice' },
    ...over,
  };
}

function page(nodes: ReturnType<typeof pipeline>[], opts: { totalCount?: number; endCursor?: string } = {}) {
  return {
    data: {
      project: {
        __typename: 'Project',
        id: 'proj',
        pipelines: {
          __typename: 'PipelineConnection',
          totalCount: opts.totalCount ?? nodes.length,
          pageInfo: { __typename: 'PageInfo', hasNextPage: Boolean(opts.endCursor), endCursor: opts.endCursor ?? null },
          nodes,
        },
      },
    },
  };
}

function renderPage(
  respond: Parameters<typeof mockClient>[0],
  url = '/acme/demo/-/pipelines',
  options: Parameters<typeof mockClient>[1] = {},
) {
  const mock = mockClient(respond, options);
  const router = createMemoryRouter([{ path: '*', element: <PipelinesPage /> }], { initialEntries: [url] });
  render(
    <WithClient client={mock.client}>
      <WithProject>
        <RouterProvider router={router} />
      </WithProject>
    </WithClient>,
  );
  return { ...mock, router };
}

const lastVariables = (executeQuery: ReturnType<typeof mockClient>['executeQuery']) =>
  executeQuery.mock.calls[executeQuery.mock.calls.length - 1][0].variables;

describe('PipelinesPage', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lists pipelines with status, iid link, ref, source, trigger short token and user', () => {
    const { executeQuery } = renderPage(() =>
      page([pipeline(2, { status: 'RUNNING' }), pipeline(1, { status: 'SUCCESS', source: 'web', triggerShortToken: null })]),
    );
    const table = screen.getByRole('table', { name: 'Pipelines' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('running')).toBeTruthy();
    expect(within(rows[0]).getByRole('link', { name: '#2' }).getAttribute('href')).toBe('/acme/demo/-/pipelines/2');
    expect(within(rows[0]).getByText('Ab12')).toBeTruthy();
    expect(within(rows[0]).getByText('alice')).toBeTruthy();
    expect(within(rows[1]).getByText('passed')).toBeTruthy();
    expect(within(rows[1]).getByText('web')).toBeTruthy();
    expect(executeQuery.mock.calls[0][0].variables).toEqual({
      fullPath: 'acme/demo',
      status: null,
      ref: null,
      source: null,
      first: PAGE_SIZE,
      after: null,
    });
  });

  it('reads the filters from the URL query', () => {
    const { executeQuery } = renderPage(() => page([]), '/acme/demo/-/pipelines?status=failed&ref=release%2F1&source=trigger');
    expect(executeQuery.mock.calls[0][0].variables).toMatchObject({ status: 'FAILED', ref: 'release/1', source: 'trigger' });
    expect((screen.getByLabelText('Status') as HTMLSelectElement).value).toBe('FAILED');
    expect((screen.getByLabelText('Source') as HTMLSelectElement).value).toBe('trigger');
    expect((screen.getByLabelText('Branch or tag') as HTMLInputElement).value).toBe('release/1');
    expect(screen.getByText('No pipelines match these filters')).toBeTruthy();
  });

  it('ignores unknown filter values', () => {
    const { executeQuery } = renderPage(() => page([]), '/acme/demo/-/pipelines?status=bogus&source=nope');
    expect(executeQuery.mock.calls[0][0].variables).toMatchObject({ status: null, source: null });
    expect(screen.getByText('No pipelines yet')).toBeTruthy();
  });

  it('keeps chosen filters in the URL and queries with them', async () => {
    const user = userEvent.setup();
    const { executeQuery, router } = renderPage(() => page([pipeline(1)]));
    await user.selectOptions(screen.getByLabelText('Status'), 'RUNNING');
    expect(router.state.location.search).toBe('?status=running');
    expect(lastVariables(executeQuery)).toMatchObject({ status: 'RUNNING' });

    await user.selectOptions(screen.getByLabelText('Source'), 'api');
    await user.type(screen.getByLabelText('Branch or tag'), 'main{Enter}');
    const params = new URLSearchParams(router.state.location.search);
    expect(Object.fromEntries(params)).toEqual({ status: 'running', source: 'api', ref: 'main' });
    expect(lastVariables(executeQuery)).toMatchObject({ status: 'RUNNING', source: 'api', ref: 'main' });

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(router.state.location.search).toBe('');
  });

  it('loads more after the end cursor', async () => {
    const user = userEvent.setup();
    renderPage((vars) =>
      vars.after === 'c1' ? page([pipeline(1)], { totalCount: 3 }) : page([pipeline(3), pipeline(2)], { totalCount: 3, endCursor: 'c1' }),
    );
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    const links = screen.getAllByRole('link', { name: /^#\d+$/ }).map((a) => a.textContent);
    expect(links).toEqual(['#3', '#2', '#1']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('refetches the list when the subscription reports a change', () => {
    const events = makeSubject<{ data?: unknown }>();
    const { executeQuery } = renderPage(() => page([pipeline(1)]), '/acme/demo/-/pipelines', { subscription: events.source });
    const before = executeQuery.mock.calls.length;
    act(() => {
      events.next({ data: { pipelineUpdated: { __typename: 'Pipeline', id: 'p2', iid: 2, status: 'CREATED' } } });
    });
    const refetched = (executeQuery.mock.calls as unknown as [unknown, { requestPolicy?: string }?][]).slice(before);
    expect(refetched.some(([, ctx]) => ctx?.requestPolicy === 'network-only')).toBe(true);
  });

  it('polls every few seconds when the websocket fails', () => {
    vi.useFakeTimers();
    const { executeQuery } = renderPage(() => page([pipeline(1)]));
    const before = executeQuery.mock.calls.length;
    act(() => {
      vi.advanceTimersByTime(POLL_INTERVAL_MS);
    });
    // urql passes the reexecute options as executeQuery's second argument.
    const polled = (executeQuery.mock.calls as unknown as [unknown, { requestPolicy?: string }?][]).slice(before);
    expect(polled.some(([, ctx]) => ctx?.requestPolicy === 'network-only')).toBe(true);
  });
});
