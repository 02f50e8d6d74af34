import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
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

  it('says who may read logs when the server answers null', async () => {
    const mock = mockClient(() => ({ data: { project: { id: 'p', pipeline: { id: 'x', log: null } } } }));
    render(
      <WithClient client={mock.client}>
        <JobLog fullPath="acme/demo" iid={1} />
      </WithClient>,
    );
    expect(await screen.findByText('Job logs are visible to project Maintainers only.')).toBeTruthy();
  });
});
