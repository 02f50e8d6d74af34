import { useState, type FormEvent } from 'react';
import { CopyButton } from '../ui/CopyButton';
import { DataTable } from '../ui/DataTable';
import { ConfirmDialog, Modal, useDialogAction } from '../ui/Modal';
import { ErrorAlert } from '../ui/States';
import { Time } from '../ui/Time';

export type TriggerRow = {
  id: string;
  description: string;
  token: string;
  hasTokenExposed: boolean;
  canAccessProject: boolean;
  expired: boolean;
  expiresAt?: string | null;
  lastUsed?: string | null;
  createdAt: string;
  /** Whether calls must be signed with the trigger's signing secret. */
  signed: boolean;
  /** How signed calls prove themselves: Kickoff's headers or GitHub's webhook signature. */
  receiver?: Receiver;
  owner: { id: string; username: string; name: string };
};

export const REVOKE_CONFIRMATION =
  'By revoking a trigger token you will break any processes making use of it. Are you sure?';

/** What a hidden full token looks like: the prefix, then dots. */
export function maskToken(token: string): string {
  const prefix = token.startsWith('kot_') ? 'kot_' : '';
  return `${prefix}${'•'.repeat(Math.min(24, Math.max(8, token.length - prefix.length)))}`;
}

type Action = (id: string) => Promise<string | null>;

export type Receiver = 'kickoff' | 'github' | 'gitlab' | 'standard_webhooks' | 'generic_hmac';

/** How a signed trigger's calls prove themselves: Kickoff's headers, or a provider's webhook as it is. */
const RECEIVERS: Record<Receiver, { name: string; label: string; title: string }> = {
  kickoff: { name: 'Kickoff', label: 'Kickoff (X-Kickoff-Signature)', title: 'Calls must send X-Kickoff-Timestamp and X-Kickoff-Signature.' },
  github: {
    name: 'GitHub',
    label: 'GitHub webhooks (X-Hub-Signature-256)',
    title: 'Receives GitHub webhooks: X-Hub-Signature-256 is checked against the signing secret.',
  },
  gitlab: {
    name: 'GitLab',
    label: 'GitLab webhooks (X-Gitlab-Token)',
    title: 'Receives GitLab webhooks: X-Gitlab-Token must be the signing secret.',
  },
  standard_webhooks: {
    name: 'Standard Webhooks',
    label: 'Standard Webhooks (webhook-signature)',
    title: 'Receives Standard Webhooks: webhook-signature is checked.',
  },
  generic_hmac: {
    name: 'HMAC',
    label: 'HMAC in a header (settings via the API)',
    title: 'Calls carry an HMAC of the body in the header the token names.',
  },
};

/**
 * GitLab's trigger token table. Own tokens (hasTokenExposed) are masked with
 * reveal and copy; others show the 4 characters the API gives. Revoke, edit and
 * take ownership go through modal dialogs; each callback resolves to an error
 * message or null.
 */
export function TriggerTokensTable({
  triggers,
  onRevoke,
  onEdit,
  onTakeOwnership,
  onSetSigning,
}: {
  triggers: readonly TriggerRow[];
  onRevoke: Action;
  onEdit: (id: string, description: string) => Promise<string | null>;
  onTakeOwnership: Action;
  /** Requires signed calls (a new secret, checked as receiver says) or stops requiring them. */
  onSetSigning: (id: string, signed: boolean, receiver: Receiver) => Promise<string | null>;
}) {
  const { target: dialog, busy, error, open, close, run } = useDialogAction<{
    kind: 'revoke' | 'edit' | 'own';
    trigger: TriggerRow;
  }>();

  if (triggers.length === 0) {
    return <p className="muted empty-note">No trigger tokens have been created yet. Add one above.</p>;
  }
  return (
    <>
      <DataTable label="Trigger tokens" columns={['Token', 'Description', 'Owner', 'Last used', 'Expires']} actions>
            {triggers.map((t) => (
              <tr key={t.id}>
                <td data-label="Token">
                  <TokenCell trigger={t} />
                </td>
                <td data-label="Description" className="wrap">
                  {t.description}
                </td>
                <td data-label="Owner">
                  <span title={t.owner.name}>{t.owner.username}</span>
                </td>
                <td data-label="Last used">
                  <Time value={t.lastUsed} fallback="Never" />
                </td>
                <td data-label="Expires">
                  <Time value={t.expiresAt} fallback="Never" />
                  {t.expired ? <span className="badge badge-muted">expired</span> : null}
                </td>
                <td data-label="Actions" className="actions">
                  {t.hasTokenExposed ? (
                    <button
                      type="button"
                      className="btn btn-sm"
                      aria-label={`Edit trigger token ${t.description}`}
                      onClick={() => open({ kind: 'edit', trigger: t })}
                    >
                      Edit
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="btn btn-sm"
                      aria-label={`Take ownership of trigger token ${t.description}`}
                      onClick={() => open({ kind: 'own', trigger: t })}
                    >
                      Take ownership
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn btn-sm btn-danger-outline"
                    aria-label={`Revoke trigger token ${t.description}`}
                    onClick={() => open({ kind: 'revoke', trigger: t })}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
      </DataTable>
      {dialog?.kind === 'revoke' ? (
        <ConfirmDialog
          title="Revoke trigger token?"
          message={REVOKE_CONFIRMATION}
          confirmLabel="Revoke trigger"
          danger
          busy={busy}
          error={error}
          onCancel={close}
          onConfirm={() => run(() => onRevoke(dialog.trigger.id))}
        />
      ) : null}
      {dialog?.kind === 'own' ? (
        <ConfirmDialog
          title="Take ownership?"
          message={`Pipelines started with “${dialog.trigger.description}” will run as you, and the token gets a new value: the old one stops working at once.`}
          confirmLabel="Take ownership"
          busy={busy}
          error={error}
          onCancel={close}
          onConfirm={() => run(() => onTakeOwnership(dialog.trigger.id))}
        />
      ) : null}
      {dialog?.kind === 'edit' ? (
        <EditDialog
          trigger={dialog.trigger}
          busy={busy}
          error={error}
          onCancel={close}
          onSave={(description) => run(() => onEdit(dialog.trigger.id, description))}
          onSetSigning={(signed, receiver) => run(() => onSetSigning(dialog.trigger.id, signed, receiver))}
        />
      ) : null}
    </>
  );
}

function TokenCell({ trigger }: { trigger: TriggerRow }) {
  const [revealed, setRevealed] = useState(false);
  return (
    <div className="token-cell">
      {trigger.hasTokenExposed ? (
        <>
          <code className="token" data-testid="trigger-token">
            {revealed ? trigger.token : maskToken(trigger.token)}
          </code>
          <button
            type="button"
            className="btn btn-sm"
            aria-pressed={revealed}
            aria-label={revealed ? 'Hide trigger token' : 'Reveal trigger token'}
            onClick={() => setRevealed((r) => !r)}
          >
            {revealed ? 'Hide' : 'Reveal'}
          </button>
          <CopyButton text={trigger.token} label="Copy trigger token" />
        </>
      ) : (
        <code className="token" data-testid="trigger-token" title="Only the owner can see the full token">
          {trigger.token}
        </code>
      )}
      {trigger.signed ? (
        trigger.receiver && trigger.receiver !== 'kickoff' ? (
          <span className="badge" title={RECEIVERS[trigger.receiver].title}>
            signed ({RECEIVERS[trigger.receiver].name})
          </span>
        ) : (
          <span className="badge" title="Calls must send X-Kickoff-Timestamp and X-Kickoff-Signature.">
            signed
          </span>
        )
      ) : null}
      {trigger.canAccessProject ? null : (
        <span
          className="badge badge-danger"
          title="The owner of this trigger token no longer has the Developer role (or is blocked): it starts no pipelines."
        >
          invalid
        </span>
      )}
    </div>
  );
}

function EditDialog({
  trigger,
  busy,
  error,
  onCancel,
  onSave,
  onSetSigning,
}: {
  trigger: TriggerRow;
  busy: boolean;
  error: string | null;
  onCancel: () => void;
  onSave: (description: string) => void;
  onSetSigning: (signed: boolean, receiver: Receiver) => void;
}) {
  const [description, setDescription] = useState(trigger.description);
  const [receiver, setReceiver] = useState<Receiver>(trigger.receiver ?? 'kickoff');
  // generic_hmac needs header settings the API takes: offered only when set.
  const choices = (Object.keys(RECEIVERS) as Receiver[]).filter((r) => r !== 'generic_hmac' || trigger.receiver === r);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (description.trim()) onSave(description.trim());
  }
  return (
    <Modal
      title="Edit trigger token"
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" form="edit-trigger-form" className="btn btn-primary" disabled={busy}>
            Save changes
          </button>
        </>
      }
    >
      <form id="edit-trigger-form" className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="edit-trigger-description">Description</label>
          <input
            id="edit-trigger-description"
            type="text"
            required
            maxLength={255}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            data-autofocus
          />
        </div>
        <fieldset className="field fieldset">
          <legend>Signed calls</legend>
          <p className="muted small">
            {trigger.signed
              ? 'Calls must be signed with this token’s signing secret (see the Signed usage example).'
              : 'Require every call to be signed with a secret that never travels, so a leaked URL starts nothing.'}
          </p>
          <div className="field">
            <label htmlFor="edit-trigger-receiver">Signed by</label>
            <select
              id="edit-trigger-receiver"
              value={receiver}
              onChange={(event) => setReceiver(event.target.value as Receiver)}
            >
              {choices.map((r) => (
                <option key={r} value={r}>
                  {RECEIVERS[r].label}
                </option>
              ))}
            </select>
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn-sm" disabled={busy} onClick={() => onSetSigning(true, receiver)}>
              {trigger.signed ? 'Rotate signing secret' : 'Require signed calls'}
            </button>
            {trigger.signed ? (
              <button type="button" className="btn btn-sm" disabled={busy} onClick={() => onSetSigning(false, receiver)}>
                Stop requiring signatures
              </button>
            ) : null}
          </div>
        </fieldset>
        <ErrorAlert message={error} />
      </form>
    </Modal>
  );
}
