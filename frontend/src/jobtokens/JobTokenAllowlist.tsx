import { useState, type FormEvent } from 'react';
import { DataTable } from '../ui/DataTable';
import { ConfirmDialog, useDialogAction } from '../ui/Modal';
import { ErrorAlert } from '../ui/States';

export type AllowedProject = { id: string; name: string; fullPath: string };

export const REMOVE_PROJECT_CONFIRMATION =
  'Its job tokens can no longer start pipelines in this project. Pipelines that rely on it will fail. Are you sure?';

/** Adds a project to the allowlist by its full path; resolves to an error or null. */
export function AddAllowedProjectForm({ onAdd }: { onAdd: (targetPath: string) => Promise<string | null> }) {
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = path.trim();
    if (busy || !target) return;
    setBusy(true);
    setError(null);
    const failure = await onAdd(target);
    setBusy(false);
    if (failure) setError(failure);
    else setPath('');
  }

  return (
    <form className="form add-form" onSubmit={submit} aria-labelledby="add-allowed-project-title">
      <h3 id="add-allowed-project-title" className="subsection-title">
        Add a project
      </h3>
      <div className="field">
        <label htmlFor="allowed-project-path">Project path</label>
        <input
          id="allowed-project-path"
          type="text"
          required
          maxLength={255}
          placeholder="e.g. group/project"
          value={path}
          onChange={(event) => setPath(event.target.value)}
        />
      </div>
      <ErrorAlert message={error} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add project'}
        </button>
      </div>
    </form>
  );
}

/**
 * The projects whose job tokens may start pipelines here. The project itself
 * is always allowed, so it is listed without a Remove button.
 */
export function AllowlistTable({
  projects,
  fullPath,
  onRemove,
}: {
  projects: readonly AllowedProject[];
  fullPath: string;
  onRemove: (targetPath: string) => Promise<string | null>;
}) {
  const { target, busy, error, open, close, run } = useDialogAction<AllowedProject>();
  return (
    <>
      <DataTable label="Job token allowlist" columns={['Project', 'Path']} actions>
        {projects.map((p) => (
          <tr key={p.id}>
            <td data-label="Project" className="wrap">
              {p.name}
            </td>
            <td data-label="Path">
              <code>{p.fullPath}</code>
            </td>
            <td data-label="Actions" className="actions">
              {p.fullPath === fullPath ? (
                <span className="muted small">This project</span>
              ) : (
                <button
                  type="button"
                  className="btn btn-sm btn-danger-outline"
                  aria-label={`Remove ${p.fullPath}`}
                  onClick={() => open(p)}
                >
                  Remove
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {target ? (
        <ConfirmDialog
          title={`Remove ${target.fullPath}?`}
          message={REMOVE_PROJECT_CONFIRMATION}
          confirmLabel="Remove project"
          danger
          busy={busy}
          error={error}
          onCancel={close}
          onConfirm={() => run(() => onRemove(target.fullPath))}
        />
      ) : null}
    </>
  );
}
