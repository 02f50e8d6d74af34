import { useState, type FormEvent } from 'react';
import type { RefType } from '../graphql/generated/graphql';
import { DataTable } from '../ui/DataTable';
import { ConfirmDialog, useDialogAction } from '../ui/Modal';
import { ErrorAlert } from '../ui/States';

export type RefRow = { id: string; name: string; type: RefType; sha?: string | null };

const TYPE_LABEL: Record<RefType, string> = { BRANCH: 'branch', TAG: 'tag' };

/** Adds a branch or tag with an optional commit SHA; resolves to an error or null. */
export function AddRefForm({
  onCreate,
}: {
  onCreate: (name: string, type: RefType, sha: string | null) => Promise<string | null>;
}) {
  const [name, setName] = useState('');
  const [type, setType] = useState<RefType>('BRANCH');
  const [sha, setSha] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !name.trim()) return;
    setBusy(true);
    setError(null);
    const failure = await onCreate(name.trim(), type, sha.trim() || null);
    setBusy(false);
    if (failure) setError(failure);
    else {
      setName('');
      setSha('');
    }
  }

  return (
    <form className="form add-form" onSubmit={submit} aria-labelledby="add-ref-title">
      <h3 id="add-ref-title" className="subsection-title">
        Add branch or tag
      </h3>
      <div className="field">
        <label htmlFor="ref-name">Ref name</label>
        <input
          id="ref-name"
          type="text"
          required
          maxLength={255}
          autoComplete="off"
          placeholder="e.g. release/1.0"
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="ref-type">Ref type</label>
        <select id="ref-type" value={type} onChange={(event) => setType(event.target.value as RefType)}>
          <option value="BRANCH">Branch</option>
          <option value="TAG">Tag</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="ref-sha">
          Commit SHA <span className="muted">(optional)</span>
        </label>
        <input
          id="ref-sha"
          type="text"
          autoComplete="off"
          spellCheck={false}
          aria-describedby="ref-sha-help"
          value={sha}
          onChange={(event) => setSha(event.target.value)}
        />
        <span id="ref-sha-help" className="muted small">
          40 lowercase hexadecimal characters.
        </span>
      </div>
      <ErrorAlert message={error} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add ref'}
        </button>
      </div>
    </form>
  );
}

/** Branches and tags; every ref but the default branch can be deleted after confirmation. */
export function RefsTable({
  refs,
  defaultBranch,
  onDelete,
}: {
  refs: readonly RefRow[];
  defaultBranch: string;
  onDelete: (id: string) => Promise<string | null>;
}) {
  const { target, busy, error, open, close, run } = useDialogAction<RefRow>();
  if (refs.length === 0) return <p className="muted empty-note">No branches or tags yet. Add one above.</p>;
  return (
    <>
      <DataTable label="Refs" columns={['Name', 'Type', 'SHA']} actions>
        {refs.map((r) => {
          const isDefault = r.type === 'BRANCH' && r.name === defaultBranch;
          return (
            <tr key={r.id}>
              <td data-label="Name" className="wrap">
                {r.name}
                {isDefault ? <span className="badge badge-muted">default</span> : null}
              </td>
              <td data-label="Type">{TYPE_LABEL[r.type]}</td>
              <td data-label="SHA">
                {r.sha ? <code title={r.sha}>{r.sha.slice(0, 8)}</code> : <span className="muted">—</span>}
              </td>
              <td data-label="Actions" className="actions">
                {isDefault ? null : (
                  <button
                    type="button"
                    className="btn btn-sm btn-danger-outline"
                    aria-label={`Delete ${TYPE_LABEL[r.type]} ${r.name}`}
                    onClick={() => open(r)}
                  >
                    Delete
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </DataTable>
      {target ? (
        <ConfirmDialog
          title={`Delete ${TYPE_LABEL[target.type]}?`}
          message={`Delete the ${TYPE_LABEL[target.type]} “${target.name}”? Pipelines can no longer be started for it.`}
          confirmLabel="Delete ref"
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
