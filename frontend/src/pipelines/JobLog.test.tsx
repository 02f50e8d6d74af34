import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { concat, fromArray, never } from 'wonka';
import { mockClient, WithClient } from '../test/urql';
import { JobLog } from './JobLog';

function piece(content: string, nextOffset: number, complete: boolean) {
  return { data: { project: { id: 'p', pipeline: { id: 'gid://kickoff/Pipeline/1', log: { content, nextOffset, truncated: false, complete } } } } };
}

describe('JobLog', () => {
  it('reads on from nextOffset and renders ANSI colours', async () => {
    const first = '\u001b[31mred line\u001b[0m\n';
    const mock = mockClient((vars) => (vars.offset === 0 ? piece(first, 19, false) : piece('done\n', 24, true)));
    render(
      <WithClient client={mock.client}>
        <JobLog fullPath="acme/demo" iid={1} />
      </WithClient>,
    );
    const log = await screen.findByLabelText('Job log');
    await screen.findByText('done', { exact: false });
    expect(log.textContent).toBe('red line\ndone\n');
    expect(screen.getByText('red line').style.color).toBe('rgb(187, 0, 0)');
    expect(mock.query.mock.calls.map(([, v]) => v.offset)).toEqual([0, 19]);
  });

  it('follows a running pipeline through pipelineLogAppended', async () => {
    const live = (content: string, nextOffset: number, complete: boolean) => ({
      data: { pipelineLogAppended: { content, nextOffset, truncated: false, complete } },
    });
    const mock = mockClient(() => piece('', 0, false), {
      subscription: concat([fromArray([live('live line\n', 10, false), live('', 10, true)]), never]),
    });
    render(
      <WithClient client={mock.client}>
        <JobLog fullPath="acme/demo" iid={1} />
      </WithClient>,
    );
    const log = await screen.findByLabelText('Job log');
    await screen.findByText('live line', { exact: false });
    expect(log.textContent).toBe('live line\n');
    expect(log.getAttribute('aria-busy')).toBe('false');
    expect(mock.subscription.mock.calls.map(([, v]) => v)).toEqual([{ id: 'gid://kickoff/Pipeline/1', offset: 0 }]);
    expect(mock.query).toHaveBeenCalledTimes(1);
  });

  it('reads on every second when the websocket fails', async () => {
    let calls = 0;
    const mock = mockClient(() => (calls++ === 0 ? piece('', 0, false) : piece('polled\n', 7, true)));
    render(
      <WithClient client={mock.client}>
        <JobLog fullPath="acme/demo" iid={1} />
      </WithClient>,
    );
    await screen.findByText('polled', { exact: false }, { timeout: 3000 });
    expect(mock.subscription).toHaveBeenCalledTimes(1);
    expect(mock.query.mock.calls.map(([, v]) => v.offset)).toEqual([0, 0]);
  });

  it('says who may read logs when the server answers null', async () => {
    const mock = mockClient(() => ({ data: { project: { id: 'p', pipeline: { id: 'x', log: null } } } }));
    render(
      <WithClient client={mock.client}>
        <JobLog fullPath="acme/demo" iid={1} />
      </WithClient>,
    );
    expect(await screen.findByText('You may not read this project’s job logs.')).toBeTruthy();
  });
});
