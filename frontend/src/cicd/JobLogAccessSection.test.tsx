import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, type Mock } from 'vitest';
import { fromValue } from 'wonka';
import { mockClient, WithClient } from '../test/urql';
import { JobLogAccessSection } from './JobLogAccessSection';

function renderSection(errors: string[]) {
  const mock = mockClient(() => undefined);
  const executeMutation = mock.client.executeMutation as unknown as Mock;
  executeMutation.mockImplementation((request: { variables: { input: { jobLogAccessLevel: string } } }) =>
    fromValue({
      operation: request,
      data: {
        projectUpdate: {
          __typename: 'ProjectUpdatePayload',
          project: errors.length
            ? null
            : { __typename: 'Project', id: 'p', jobLogAccessLevel: request.variables.input.jobLogAccessLevel, userPermissions: { readJobLog: true } },
          errors,
        },
      },
    }),
  );
  render(
    <WithClient client={mock.client}>
      <JobLogAccessSection fullPath="acme/demo" level="MAINTAINER" />
    </WithClient>,
  );
  return executeMutation;
}

describe('JobLogAccessSection', () => {
  it('opens job logs to Reporters with projectUpdate', async () => {
    const user = userEvent.setup();
    const executeMutation = renderSection([]);
    const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true); // nothing changed yet
    const select = screen.getByLabelText('Who can read job logs') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual([
      'Reporters and above',
      'Developers and above',
      'Maintainers and above',
    ]);
    await user.selectOptions(select, 'REPORTER');
    await user.click(save);
    expect((await screen.findByRole('status')).textContent).toBe('Saved: Reporters and above can read job logs.');
    expect(executeMutation.mock.calls[0][0].variables).toEqual({
      input: { projectPath: 'acme/demo', jobLogAccessLevel: 'REPORTER' },
    });
  });

  it('shows the server’s refusal', async () => {
    const user = userEvent.setup();
    renderSection(['you need at least the MAINTAINER role in this project']);
    await user.selectOptions(screen.getByLabelText('Who can read job logs'), 'DEVELOPER');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('you need at least the MAINTAINER role in this project');
    expect(screen.queryByRole('status')).toBeNull();
  });
});
