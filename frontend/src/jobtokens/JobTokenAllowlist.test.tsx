import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import {
  AddAllowedProjectForm,
  AllowlistTable,
  REMOVE_PROJECT_CONFIRMATION,
  type AllowedProject,
} from './JobTokenAllowlist';

const own: AllowedProject = { id: 'gid://kickoff/Project/1', name: 'Demo', fullPath: 'acme/demo' };
const lib: AllowedProject = { id: 'gid://kickoff/Project/2', name: 'Lib', fullPath: 'acme/lib' };

describe('AddAllowedProjectForm', () => {
  it('adds the project at the labelled path, trimmed, and clears the field', async () => {
    const user = userEvent.setup();
    const onAdd = vi.fn(async () => null);
    render(<AddAllowedProjectForm onAdd={onAdd} />);
    await user.type(screen.getByLabelText('Project path'), ' acme/lib ');
    await user.click(screen.getByRole('button', { name: 'Add project' }));
    expect(onAdd).toHaveBeenCalledWith('acme/lib');
    expect((screen.getByLabelText('Project path') as HTMLInputElement).value).toBe('');
  });

  it('shows the server’s refusal and keeps the path', async () => {
    const user = userEvent.setup();
    render(
      <AddAllowedProjectForm
        onAdd={vi.fn(async () => 'target project acme/lib is already in the job token allowlist')}
      />,
    );
    await user.type(screen.getByLabelText('Project path'), 'acme/lib');
    await user.click(screen.getByRole('button', { name: 'Add project' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'target project acme/lib is already in the job token allowlist',
    );
    expect((screen.getByLabelText('Project path') as HTMLInputElement).value).toBe('acme/lib');
  });
});

describe('AllowlistTable', () => {
  it('lists the project itself without a Remove button', () => {
    render(<AllowlistTable projects={[own, lib]} fullPath="acme/demo" onRemove={vi.fn()} />);
    const self = screen.getByRole('row', { name: /acme\/demo/ });
    expect(within(self).getByText('This project')).toBeTruthy();
    expect(within(self).queryByRole('button')).toBeNull();
    expect(screen.getByRole('button', { name: 'Remove acme/lib' })).toBeTruthy();
  });

  it('removes only after confirmation and shows a failure in the dialog', async () => {
    const user = userEvent.setup();
    const onRemove = vi.fn(async () => 'FORBIDDEN: you need at least the MAINTAINER role in this project');
    render(<AllowlistTable projects={[own, lib]} fullPath="acme/demo" onRemove={onRemove} />);
    await user.click(screen.getByRole('button', { name: 'Remove acme/lib' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove acme/lib?' });
    expect(within(dialog).getByText(REMOVE_PROJECT_CONFIRMATION)).toBeTruthy();
    expect(onRemove).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Remove project' }));
    expect(onRemove).toHaveBeenCalledWith('acme/lib');
    expect(within(screen.getByRole('dialog')).getByRole('alert').textContent).toBe(
      'FORBIDDEN: you need at least the MAINTAINER role in this project',
    );
  });
});
