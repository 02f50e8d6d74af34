import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { NewProjectForm } from './NewProjectForm';

describe('NewProjectForm', () => {
  it('has labelled controls and sends the trimmed input, optional fields as null', async () => {
    const user = userEvent.setup();
    const onCreate = vi.fn(async () => null);
    render(<NewProjectForm onCreate={onCreate} />);
    expect(screen.getByRole('form', { name: 'New project' })).toBeTruthy();
    await user.type(screen.getByLabelText('Project name'), ' Website ');
    await user.type(screen.getByLabelText('Project path'), 'acme/website');
    expect(screen.getByLabelText(/Description/)).toBeTruthy();
    expect(screen.getByLabelText(/Default branch/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    expect(onCreate).toHaveBeenCalledWith({ name: 'Website', path: 'acme/website', description: null, defaultBranch: null });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("shows the payload's errors in an alert and keeps the input", async () => {
    const user = userEvent.setup();
    render(<NewProjectForm onCreate={vi.fn(async () => 'path has already been taken')} />);
    await user.type(screen.getByLabelText('Project name'), 'Website');
    await user.type(screen.getByLabelText('Project path'), 'acme/website');
    await user.type(screen.getByLabelText(/Default branch/), 'trunk{Enter}');
    expect((await screen.findByRole('alert')).textContent).toBe('path has already been taken');
    expect((screen.getByLabelText('Project path') as HTMLInputElement).value).toBe('acme/website');
  });
});
