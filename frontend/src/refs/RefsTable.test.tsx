import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { AddRefForm, RefsTable, type RefRow } from './RefsTable';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const refs: RefRow[] = [
  { id: 'r1', name: 'main', type: 'BRANCH', sha: SHA },
  { id: 'r2', name: 'v1.0', type: 'TAG', sha: null },
];

describe('AddRefForm', () => {
  it('adds a ref with name, type and optional SHA', async () => {
    const user = userEvent.setup();
    const onCreate = vi.fn(async () => null);
    render(<AddRefForm onCreate={onCreate} />);
    await user.type(screen.getByLabelText('Ref name'), 'v2.0');
    await user.selectOptions(screen.getByLabelText('Ref type'), 'Tag');
    await user.type(screen.getByLabelText(/Commit SHA/), SHA);
    await user.click(screen.getByRole('button', { name: 'Add ref' }));
    expect(onCreate).toHaveBeenCalledWith('v2.0', 'TAG', SHA);
    expect((screen.getByLabelText('Ref name') as HTMLInputElement).value).toBe('');
  });

  it('sends no SHA when left empty and shows payload errors', async () => {
    const user = userEvent.setup();
    const onCreate = vi.fn(async () => 'ref "main" already exists');
    render(<AddRefForm onCreate={onCreate} />);
    await user.type(screen.getByLabelText('Ref name'), 'main{Enter}');
    expect(onCreate).toHaveBeenCalledWith('main', 'BRANCH', null);
    expect((await screen.findByRole('alert')).textContent).toBe('ref "main" already exists');
  });
});

describe('RefsTable', () => {
  it('lists branches and tags with SHAs; the default branch has no delete', () => {
    render(<RefsTable refs={refs} defaultBranch="main" onDelete={vi.fn()} />);
    const main = screen.getByRole('row', { name: /main/ });
    expect(within(main).getByText('default')).toBeTruthy();
    expect(within(main).getByText(SHA.slice(0, 8)).getAttribute('title')).toBe(SHA);
    expect(within(main).queryByRole('button')).toBeNull();
    expect(screen.getByRole('button', { name: 'Delete tag v1.0' })).toBeTruthy();
  });

  it('deletes after confirmation', async () => {
    const user = userEvent.setup();
    const onDelete = vi.fn(async () => null);
    render(<RefsTable refs={refs} defaultBranch="main" onDelete={onDelete} />);
    await user.click(screen.getByRole('button', { name: 'Delete tag v1.0' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete tag?' });
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(onDelete).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Delete tag v1.0' }));
    await user.click(screen.getByRole('button', { name: 'Delete ref' }));
    expect(onDelete).toHaveBeenCalledWith('r2');
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
