import { useState, type FormEvent } from 'react';
import { DataTable } from '../ui/DataTable';
import { ConfirmDialog, useDialogAction } from '../ui/Modal';
import { ErrorAlert } from '../ui/States';
import { Time } from '../ui/Time';
import { numericId } from '../graphql/ids';

export type RunnerRow = {
  id: string;
  description: string;
  shortSha: string;
  runnerType: 'INSTANCE_TYPE' | 'PROJECT_TYPE';
  contactedAt?: string | null;
  createdAt: string;
  creator?: { id: string; username: string } | null;
};

export const DELETE_RUNNER_CONFIRMATION =
  'The runner’s token stops working at once and any job it is running is lost. Are you sure?';

/** Adds a project runner with an optional description; resolves to an error or null. */
export function AddRunnerForm({ onCreate }: { onCreate: (description: string) => Promise<string | null> }) {
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const failure = await onCreate(description.trim());
    setBusy(false);
    if (failure) setError(failure);
    else setDescription('');
  }

  return (
    <form className="form add-form" onSubmit={submit} aria-labelledby="add-runner-title">
      <h3 id="add-runner-title" className="subsection-title">
        New project runner
      </h3>
      <div className="field">
        <label htmlFor="runner-description">
          Runner description <span className="muted">(optional)</span>
        </label>
        <input
          id="runner-description"
          type="text"
          maxLength={255}
          placeholder="e.g. build box in the office"
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      <ErrorAlert message={error} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create runner'}
        </button>
      </div>
    </form>
  );
}

function runnerName(r: RunnerRow): string {
  return r.description || `#${numericId(r.id)}`;
}

/** The project's runners; delete goes through a confirmation dialog. */
export function RunnersTable({
  runners,
  onDelete,
}: {
  runners: readonly RunnerRow[];
  onDelete: (id: string) => Promise<string | null>;
}) {
  const { target, busy, error, open, close, run } = useDialogAction<RunnerRow>();
  if (runners.length === 0) return <p className="muted empty-note">This project has no runners yet. Add one above.</p>;
  return (
    <>
      <DataTable label="Runners" columns={['Runner', 'Info', 'Last contact']} actions>
        {runners.map((r) => (
          <tr key={r.id}>
            <td data-label="Runner" className="wrap">
              {r.description || <span className="muted">No description</span>}
            </td>
            <td data-label="Info">
              <span className="muted small">
                #{numericId(r.id)} · {r.runnerType === 'PROJECT_TYPE' ? 'project' : 'instance'} ·{' '}
              </span>
              <code title="Token prefix">kor_{r.shortSha}…</code>
              {r.creator ? <span className="muted small"> · by {r.creator.username}</span> : null}
            </td>
            <td data-label="Last contact">
              <Time value={r.contactedAt} fallback="Never" />
            </td>
            <td data-label="Actions" className="actions">
              <button
                type="button"
                className="btn btn-sm btn-danger-outline"
                aria-label={`Delete runner ${runnerName(r)}`}
                onClick={() => open(r)}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      {target ? (
        <ConfirmDialog
          title="Delete runner?"
          message={DELETE_RUNNER_CONFIRMATION}
          confirmLabel="Delete runner"
          danger
          busy={busy}
          error={error}
          onCancel={close}
          onConfirm={() => run(() => onDelete(target.id))}
        />
      ) : null}
    </>
  );
}
