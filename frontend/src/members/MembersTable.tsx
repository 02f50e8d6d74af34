import { useState, type FormEvent } from 'react';
import type { AccessLevel } from '../graphql/generated/graphql';
import { DataTable } from '../ui/DataTable';
import { ConfirmDialog, useDialogAction } from '../ui/Modal';
import { ErrorAlert } from '../ui/States';
import { levelLabel, MEMBER_LEVELS } from './accessLevels';
import { numericId } from '../graphql/ids';

export type MemberRow = {
  id: string;
  accessLevel: AccessLevel;
  user: { id: string; username: string; name: string };
};

type Result = Promise<string | null>;

/** Maintainers' form adding a user (by username) at an access level. */
export function AddMemberForm({ onAdd }: { onAdd: (username: string, level: AccessLevel) => Result }) {
  const [username, setUsername] = useState('');
  const [level, setLevel] = useState<AccessLevel>('DEVELOPER');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !username.trim()) return;
    setBusy(true);
    setError(null);
    const failure = await onAdd(username.trim(), level);
    setBusy(false);
    if (failure) setError(failure);
    else setUsername('');
  }

  return (
    <form className="form add-form" onSubmit={submit} aria-labelledby="add-member-title">
      <h2 id="add-member-title" className="section-title">
        Add a member
      </h2>
      <div className="field">
        <label htmlFor="member-username">Username</label>
        <input
          id="member-username"
          type="text"
          required
          autoComplete="off"
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="member-level">Access level</label>
        <select id="member-level" value={level} onChange={(event) => setLevel(event.target.value as AccessLevel)}>
          {MEMBER_LEVELS.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
        </select>
      </div>
      <ErrorAlert message={error} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add member'}
        </button>
      </div>
    </form>
  );
}

/**
 * The project's members. With `canManage`, each row has an access level
 * select and a Remove button (confirmed in a dialog); failures show above
 * the table or in the dialog.
 */
export function MembersTable({
  members,
  canManage,
  onChangeLevel,
  onRemove,
}: {
  members: readonly MemberRow[];
  canManage: boolean;
  onChangeLevel: (username: string, level: AccessLevel) => Result;
  onRemove: (username: string) => Result;
}) {
  const { target, busy, error, open, close, run } = useDialogAction<MemberRow>();
  const [changeError, setChangeError] = useState<string | null>(null);

  if (members.length === 0) return <p className="muted empty-note">This project has no members.</p>;
  return (
    <>
      <ErrorAlert message={changeError} />
      <DataTable label="Members" columns={['Username', 'Name', 'Access level']} actions={canManage}>
        {members.map((m) => (
          <tr key={m.id}>
            <td data-label="Username">{m.user.username}</td>
            <td data-label="Name" className="wrap">
              {m.user.name}
            </td>
            <td data-label="Access level">
              {canManage ? (
                <>
                  <label htmlFor={`level-${numericId(m.id)}`} className="visually-hidden">
                    Access level of {m.user.username}
                  </label>
                  <select
                    id={`level-${numericId(m.id)}`}
                    value={m.accessLevel}
                    onChange={async (event) => {
                      setChangeError(null);
                      const failure = await onChangeLevel(m.user.username, event.target.value as AccessLevel);
                      if (failure) setChangeError(failure);
                    }}
                  >
                    {MEMBER_LEVELS.map((l) => (
                      <option key={l.value} value={l.value}>
                        {l.label}
                      </option>
                    ))}
                  </select>
                </>
              ) : (
                levelLabel(m.accessLevel)
              )}
            </td>
            {canManage ? (
              <td data-label="Actions" className="actions">
                <button
                  type="button"
                  className="btn btn-sm btn-danger-outline"
                  aria-label={`Remove member ${m.user.username}`}
                  onClick={() => open(m)}
                >
                  Remove
                </button>
              </td>
            ) : null}
          </tr>
        ))}
      </DataTable>
      {target ? (
        <ConfirmDialog
          title="Remove member?"
          message={`Remove ${target.user.username} from this project? They lose their access to it at once.`}
          confirmLabel="Remove member"
          danger
          busy={busy}
          error={error}
          onCancel={close}
          onConfirm={() => run(() => onRemove(target.user.username))}
        />
      ) : null}
    </>
  );
}
