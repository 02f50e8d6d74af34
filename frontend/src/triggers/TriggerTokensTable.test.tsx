import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { REVOKE_CONFIRMATION, TriggerTokensTable, type TriggerRow } from './TriggerTokensTable';

const FULL = 'kot_AbCdEfGhIjKlMnOpQrStUvWxYz012345abc123';

function trigger(over: Partial<TriggerRow> = {}): TriggerRow {
  return {
    id: 't1',
    description: 'deploy',
    token: FULL,
    hasTokenExposed: true,
    canAccessProject: true,
    expired: false,
    expiresAt: null,
    lastUsed: null,
    createdAt: '2025-01-01T00:00:00Z',
    signed: false,
    owner: { id: 'u1', username: 'alice', name: 'Alice' },
    ...over,
  };
}

function renderTable(triggers: TriggerRow[], handlers: Partial<Parameters<typeof TriggerTokensTable>[0]> = {}) {
  const props = {
    onRevoke: vi.fn(async () => null),
    onEdit: vi.fn(async () => null),
    onTakeOwnership: vi.fn(async () => null),
    onSetSigning: vi.fn(async () => null),
    ...handlers,
  };
  render(<TriggerTokensTable triggers={triggers} {...props} />);
  return props;
}

function row(description: string) {
  return screen.getByRole('cell', { name: description }).closest('tr')!;
}

describe('TriggerTokensTable', () => {
  it('masks own tokens until revealed, and hides them again', async () => {
    const user = userEvent.setup();
    renderTable([trigger()]);
    const token = screen.getByTestId('trigger-token');
    expect(token.textContent).not.toContain('AbCd');
    expect(token.textContent).toMatch(/^kot_•+$/);
    expect(document.body.textContent).not.toContain(FULL);

    const reveal = screen.getByRole('button', { name: 'Reveal trigger token' });
    expect(reveal.getAttribute('aria-pressed')).toBe('false');
    await user.click(reveal);
    expect(screen.getByTestId('trigger-token').textContent).toBe(FULL);
    const hide = screen.getByRole('button', { name: 'Hide trigger token' });
    expect(hide.getAttribute('aria-pressed')).toBe('true');

    await user.click(hide);
    expect(screen.getByTestId('trigger-token').textContent).not.toContain('AbCd');
  });

  it('copies the full token of an own trigger without revealing it', async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderTable([trigger()]);
    await user.click(screen.getByRole('button', { name: 'Copy trigger token' }));
    expect(writeText).toHaveBeenCalledWith(FULL);
    expect(await screen.findByText('Copied to clipboard')).toBeTruthy();
    expect(screen.getByTestId('trigger-token').textContent).not.toContain('AbCd');
  });

  it("shows only the 4 characters of other people's tokens, without reveal, copy or edit", () => {
    renderTable([trigger({ id: 't2', description: 'nightly', token: 'Wxyz', hasTokenExposed: false, owner: { id: 'u2', username: 'bob', name: 'Bob' } })]);
    const r = row('nightly');
    expect(within(r).getByTestId('trigger-token').textContent).toBe('Wxyz');
    expect(within(r).queryByRole('button', { name: /Reveal/ })).toBeNull();
    expect(within(r).queryByRole('button', { name: /Copy/ })).toBeNull();
    expect(within(r).queryByRole('button', { name: /Edit/ })).toBeNull();
    expect(within(r).getByRole('button', { name: 'Take ownership of trigger token nightly' })).toBeTruthy();
    expect(within(r).getByText('bob')).toBeTruthy();
  });

  it('marks triggers whose owner lost access as invalid', () => {
    renderTable([trigger(), trigger({ id: 't3', description: 'orphan', canAccessProject: false })]);
    expect(within(row('orphan')).getByText('invalid')).toBeTruthy();
    expect(within(row('deploy')).queryByText('invalid')).toBeNull();
  });

  it('asks for confirmation in a modal dialog before revoking', async () => {
    const user = userEvent.setup();
    const { onRevoke } = renderTable([trigger()]);
    const revoke = screen.getByRole('button', { name: 'Revoke trigger token deploy' });
    await user.click(revoke);

    const dialog = screen.getByRole('dialog', { name: 'Revoke trigger token?' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(within(dialog).getByText(REVOKE_CONFIRMATION)).toBeTruthy();
    expect(REVOKE_CONFIRMATION).toBe(
      'By revoking a trigger token you will break any processes making use of it. Are you sure?',
    );
    expect(dialog.contains(document.activeElement)).toBe(true);

    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onRevoke).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(revoke);

    await user.click(revoke);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();

    await user.click(revoke);
    await user.click(screen.getByRole('button', { name: 'Revoke trigger' }));
    expect(onRevoke).toHaveBeenCalledWith('t1');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('keeps the dialog open with the error when revoking fails', async () => {
    const user = userEvent.setup();
    renderTable([trigger()], { onRevoke: vi.fn(async () => 'not allowed') });
    await user.click(screen.getByRole('button', { name: 'Revoke trigger token deploy' }));
    await user.click(screen.getByRole('button', { name: 'Revoke trigger' }));
    const dialog = screen.getByRole('dialog');
    expect(within(dialog).getByRole('alert').textContent).toBe('not allowed');
  });

  it('edits the description of an own trigger', async () => {
    const user = userEvent.setup();
    const { onEdit } = renderTable([trigger()]);
    await user.click(screen.getByRole('button', { name: 'Edit trigger token deploy' }));
    const input = within(screen.getByRole('dialog', { name: 'Edit trigger token' })).getByLabelText('Description');
    expect(document.activeElement).toBe(input);
    await user.clear(input);
    await user.type(input, 'deploy prod{Enter}');
    expect(onEdit).toHaveBeenCalledWith('t1', 'deploy prod');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says when there are no tokens', () => {
    renderTable([]);
    expect(screen.getByText(/No trigger tokens have been created yet/)).toBeTruthy();
  });

  it.each([
    [false, 'Require signed calls', true],
    [true, 'Rotate signing secret', true],
    [true, 'Stop requiring signatures', false],
  ])('signed %s: the edit dialog’s “%s” asks for signed = %s', async (signed, button, want) => {
    const user = userEvent.setup();
    const props = renderTable([trigger({ signed })]);
    expect(screen.queryByText('signed') !== null).toBe(signed);
    await user.click(screen.getByRole('button', { name: 'Edit trigger token deploy' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: button }));
    expect(props.onSetSigning).toHaveBeenCalledWith('t1', want, 'kickoff');
  });

  it('requires signed calls checked the GitHub way when chosen', async () => {
    const user = userEvent.setup();
    const props = renderTable([trigger()]);
    await user.click(screen.getByRole('button', { name: 'Edit trigger token deploy' }));
    const dialog = screen.getByRole('dialog');
    const select = within(dialog).getByLabelText('Signed by') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['kickoff', 'github', 'gitlab', 'standard_webhooks']);
    await user.selectOptions(select, 'github');
    await user.click(within(dialog).getByRole('button', { name: 'Require signed calls' }));
    expect(props.onSetSigning).toHaveBeenCalledWith('t1', true, 'github');
  });

  it('shows the provider a token receives', () => {
    renderTable([trigger({ signed: true, receiver: 'gitlab' })]);
    expect(screen.getByText('signed (GitLab)')).toBeTruthy();
  });
});
