import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fromValue } from 'wonka';
import { describe, expect, it, vi } from 'vitest';
import { mockClient, WithClient } from '../test/urql';
import { PasswordPage } from './PasswordPage';

function renderPage(errors: string[]) {
  const { client } = mockClient(() => undefined);
  vi.mocked(client.executeMutation).mockImplementation(
    () => fromValue({ data: { currentUserPasswordUpdate: { errors } } }) as never,
  );
  render(
    <WithClient client={client}>
      <PasswordPage />
    </WithClient>,
  );
  return client;
}

async function fill(current: string, next: string, confirm: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Current password'), current);
  await user.type(screen.getByLabelText('New password'), next);
  await user.type(screen.getByLabelText('Confirm new password'), confirm);
  await user.click(screen.getByRole('button', { name: 'Save password' }));
}

describe('PasswordPage', () => {
  it('sends the current and new password and says the other sessions ended', async () => {
    const client = renderPage([]);
    await fill('old password', 'a new password', 'a new password');
    const [operation] = vi.mocked(client.executeMutation).mock.calls[0];
    expect(operation.variables).toEqual({ input: { currentPassword: 'old password', newPassword: 'a new password' } });
    expect(await screen.findByRole('status')).toHaveProperty('textContent', expect.stringContaining('other sessions have ended'));
    expect((screen.getByLabelText('Current password') as HTMLInputElement).value).toBe('');
  });

  it('shows the server refusing a wrong current password', async () => {
    renderPage(['the current password is wrong']);
    await fill('bad', 'a new password', 'a new password');
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'the current password is wrong');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('does not send a new password that differs from its confirmation', async () => {
    const client = renderPage([]);
    await fill('old password', 'a new password', 'another password');
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'The new password and its confirmation differ.');
    expect(client.executeMutation).not.toHaveBeenCalled();
  });
});
