import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { AddMemberForm, MembersTable, type MemberRow } from './MembersTable';

const members: MemberRow[] = [
  { id: 'm1', accessLevel: 'MAINTAINER', user: { id: 'u1', username: 'alice', name: 'Alice A.' } },
  { id: 'm2', accessLevel: 'DEVELOPER', user: { id: 'u2', username: 'bob', name: 'Bob B.' } },
];

function renderTable(canManage = true, over: Partial<Parameters<typeof MembersTable>[0]> = {}) {
  const props = { onChangeLevel: vi.fn(async () => null), onRemove: vi.fn(async () => null), ...over };
  render(<MembersTable members={members} canManage={canManage} {...props} />);
  return props;
}

describe('AddMemberForm', () => {
  it('adds a username at the chosen access level', async () => {
    const user = userEvent.setup();
    const onAdd = vi.fn(async () => null);
    render(<AddMemberForm onAdd={onAdd} />);
    await user.type(screen.getByLabelText('Username'), 'carol');
    await user.selectOptions(screen.getByLabelText('Access level'), 'Reporter');
    await user.click(screen.getByRole('button', { name: 'Add member' }));
    expect(onAdd).toHaveBeenCalledWith('carol', 'REPORTER');
    expect((screen.getByLabelText('Username') as HTMLInputElement).value).toBe('');
  });

  it('shows payload errors', async () => {
    const user = userEvent.setup();
    render(<AddMemberForm onAdd={vi.fn(async () => 'user "nobody" does not exist')} />);
    await user.type(screen.getByLabelText('Username'), 'nobody{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe('user "nobody" does not exist');
  });
});

describe('MembersTable', () => {
  it('lists username, name and access level read-only for non-Maintainers', () => {
    renderTable(false);
    const row = screen.getByRole('row', { name: /bob/ });
    expect(within(row).getByText('Bob B.')).toBeTruthy();
    expect(within(row).getByText('Developer')).toBeTruthy();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(screen.queryByRole('button', { name: /Remove/ })).toBeNull();
  });

  it('changes a level and shows a failure above the table', async () => {
    const user = userEvent.setup();
    const { onChangeLevel } = renderTable(true, {
      onChangeLevel: vi.fn(async () => 'a project needs at least one Owner or Maintainer'),
    });
    await user.selectOptions(screen.getByLabelText('Access level of alice'), 'Guest');
    expect(onChangeLevel).toHaveBeenCalledWith('alice', 'GUEST');
    expect((await screen.findByRole('alert')).textContent).toBe('a project needs at least one Owner or Maintainer');
  });

  it('removes a member only after confirmation', async () => {
    const user = userEvent.setup();
    const { onRemove } = renderTable();
    await user.click(screen.getByRole('button', { name: 'Remove member bob' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove member?' });
    expect(within(dialog).getByText(/Remove bob from this project\?/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(onRemove).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Remove member bob' }));
    await user.click(screen.getByRole('button', { name: 'Remove member' }));
    expect(onRemove).toHaveBeenCalledWith('bob');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('keeps the dialog open with the error when removing fails', async () => {
    const user = userEvent.setup();
    renderTable(true, { onRemove: vi.fn(async () => 'cannot remove the last Owner') });
    await user.click(screen.getByRole('button', { name: 'Remove member alice' }));
    await user.click(screen.getByRole('button', { name: 'Remove member' }));
    expect(within(screen.getByRole('dialog')).getByRole('alert').textContent).toBe('cannot remove the last Owner');
  });
});
