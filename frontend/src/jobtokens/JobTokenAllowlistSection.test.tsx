import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, type Mock } from 'vitest';
import { fromValue } from 'wonka';
import { mockClient, WithClient } from '../test/urql';
import { JobTokenAllowlistSection } from './JobTokenAllowlistSection';

const allowlist = {
  data: {
    project: {
      __typename: 'Project',
      id: 'p1',
      ciJobTokenScope: {
        __typename: 'CiJobTokenScope',
        inboundAllowlist: {
          __typename: 'ProjectConnection',
          totalCount: 2,
          nodes: [
            { __typename: 'Project', id: 'p1', name: 'Demo', fullPath: 'acme/demo' },
            { __typename: 'Project', id: 'p2', name: 'Lib', fullPath: 'acme/lib' },
          ],
        },
      },
    },
  },
};

function renderSection() {
  const mock = mockClient(() => allowlist);
  const executeMutation = mock.client.executeMutation as unknown as Mock;
  executeMutation.mockImplementation((request: { query: unknown }) =>
    fromValue({
      operation: request,
      data: {
        ciJobTokenScopeAddProject: { __typename: 'CiJobTokenScopeAddProjectPayload', errors: [] },
        ciJobTokenScopeRemoveProject: { __typename: 'CiJobTokenScopeRemoveProjectPayload', errors: [] },
      },
    }),
  );
  render(
    <WithClient client={mock.client}>
      <JobTokenAllowlistSection fullPath="acme/demo" />
    </WithClient>,
  );
  return { executeMutation, executeQuery: mock.executeQuery };
}

describe('JobTokenAllowlistSection', () => {
  it('lists the allowlist with its count', () => {
    renderSection();
    expect(screen.getByRole('heading', { name: /Allowed projects/ }).textContent).toContain('2');
    expect(screen.getByRole('row', { name: /acme\/lib/ })).toBeTruthy();
  });

  it('adds by path and removes after confirmation, reloading the list each time', async () => {
    const user = userEvent.setup();
    const { executeMutation, executeQuery } = renderSection();
    const loads = executeQuery.mock.calls.length;
    await user.type(screen.getByLabelText('Project path'), 'acme/tools');
    await user.click(screen.getByRole('button', { name: 'Add project' }));
    expect(executeMutation.mock.calls[0][0].variables).toEqual({
      input: { projectPath: 'acme/demo', targetProjectPath: 'acme/tools' },
    });
    await user.click(screen.getByRole('button', { name: 'Remove acme/lib' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove project' }));
    expect(executeMutation.mock.calls[1][0].variables).toEqual({
      input: { projectPath: 'acme/demo', targetProjectPath: 'acme/lib' },
    });
    expect(executeQuery.mock.calls.length).toBeGreaterThanOrEqual(loads + 2);
  });
});
