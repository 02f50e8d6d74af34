import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { AddRunnerForm, DELETE_RUNNER_CONFIRMATION, RunnersTable, type RunnerRow } from './RunnersTable';

const runner: RunnerRow = {
  id: 'gid://kickoff/Runner/7',
  description: 'office box',
  shortSha: 'AbCd',
  runnerType: 'PROJECT_TYPE',
  contactedAt: null,
  createdAt: '2025-01-01T00:00:00Z',
  creator: { id: 'u1', username: 'alice' },
};

describe('AddRunnerForm', () => {
  it('creates a runner with the labelled description', async () => {
    const user = userEvent.setup();
    const onCreate = vi.fn(async () => null);
    render(<AddRunnerForm onCreate={onCreate} />);
    await user.type(screen.getByLabelText(/Runner description/), 'office box');
    await user.click(screen.getByRole('button', { name: 'Create runner' }));
    expect(onCreate).toHaveBeenCalledWith('office box');
  });

  it('shows payload errors', async () => {
    const user = userEvent.setup();
    render(<AddRunnerForm onCreate={vi.fn(async () => 'description is too long')} />);
    await user.click(screen.getByRole('button', { name: 'Create runner' }));
    expect((await screen.findByRole('alert')).textContent).toBe('description is too long');
  });
});

describe('RunnersTable', () => {
  it('lists description, short token and last contact', () => {
    render(<RunnersTable runners={[runner]} onDelete={vi.fn()} />);
    const row = screen.getByRole('row', { name: /office box/ });
    expect(within(row).getByText('kor_AbCd…')).toBeTruthy();
    expect(within(row).getByText('Never')).toBeTruthy();
    expect(within(row).getByText(/#7 · project/)).toBeTruthy();
  });

  it('deletes only after confirmation and shows a failure in the dialog', async () => {
    const user = userEvent.setup();
    const onDelete = vi.fn(async () => 'runner is busy');
    render(<RunnersTable runners={[runner]} onDelete={onDelete} />);
    await user.click(screen.getByRole('button', { name: 'Delete runner office box' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete runner?' });
    expect(within(dialog).getByText(DELETE_RUNNER_CONFIRMATION)).toBeTruthy();
    expect(onDelete).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Delete runner' }));
    expect(onDelete).toHaveBeenCalledWith('gid://kickoff/Runner/7');
    expect(within(screen.getByRole('dialog')).getByRole('alert').textContent).toBe('runner is busy');
  });

  it('says when there are no runners', () => {
    render(<RunnersTable runners={[]} onDelete={vi.fn()} />);
    expect(screen.getByText(/no runners yet/)).toBeTruthy();
  });
});
