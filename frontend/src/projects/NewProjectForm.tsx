import { useState, type FormEvent } from 'react';
import { ErrorAlert } from '../ui/States';

export type NewProjectInput = { name: string; path: string; description: string | null; defaultBranch: string | null };

/**
 * The "New project" form: name, full path (group/name), optional description
 * and default branch. `onCreate` resolves to an error message or null.
 */
export function NewProjectForm({
  onCreate,
  onCancel,
}: {
  onCreate: (input: NewProjectInput) => Promise<string | null>;
  onCancel?: () => void;
}) {
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  const [description, setDescription] = useState('');
  const [defaultBranch, setDefaultBranch] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !name.trim() || !path.trim()) return;
    setBusy(true);
    setError(null);
    const failure = await onCreate({
      name: name.trim(),
      path: path.trim(),
      description: description.trim() || null,
      defaultBranch: defaultBranch.trim() || null,
    });
    setBusy(false);
    if (failure) setError(failure);
  }

  return (
    <form className="form add-form" onSubmit={submit} aria-labelledby="new-project-title">
      <h2 id="new-project-title" className="section-title">
        New project
      </h2>
      <div className="field">
        <label htmlFor="new-project-name">Project name</label>
        <input
          id="new-project-name"
          type="text"
          required
          maxLength={255}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="new-project-path">Project path</label>
        <input
          id="new-project-path"
          type="text"
          required
          maxLength={255}
          placeholder="group/name"
          aria-describedby="new-project-path-help"
          autoComplete="off"
          value={path}
          onChange={(event) => setPath(event.target.value)}
        />
        <span id="new-project-path-help" className="muted small">
          The full path, e.g. <code>group/name</code>. It appears in the project’s URL.
        </span>
      </div>
      <div className="field">
        <label htmlFor="new-project-description">
          Description <span className="muted">(optional)</span>
        </label>
        <textarea
          id="new-project-description"
          rows={2}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="new-project-branch">
          Default branch <span className="muted">(optional)</span>
        </label>
        <input
          id="new-project-branch"
          type="text"
          placeholder="main"
          autoComplete="off"
          value={defaultBranch}
          onChange={(event) => setDefaultBranch(event.target.value)}
        />
      </div>
      <ErrorAlert message={error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create project'}
        </button>
        {onCancel ? (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
