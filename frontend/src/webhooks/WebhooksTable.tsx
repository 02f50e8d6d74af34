import { Fragment, useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { mutationFailure } from '../graphql/errors';
import { numericId } from '../graphql/ids';
import { DataTable } from '../ui/DataTable';
import { ConfirmDialog, Modal, useDialogAction } from '../ui/Modal';
import { ErrorAlert, ErrorState, Loading } from '../ui/States';
import { Time } from '../ui/Time';
import { WebhookForm, type WebhookValues } from './WebhookForm';

export type WebhookRow = {
  id: string;
  name: string;
  description: string;
  url: string;
  pipelineEvents: boolean;
  enableSslVerification: boolean;
  statuses?: readonly string[] | null;
  refGlobs?: readonly string[] | null;
  customHeaderNames?: readonly string[] | null;
  executable: boolean;
  hasToken: boolean;
  disabledAt?: string | null;
  disabledReason: string;
  createdAt: string;
  deliveries?: { totalCount: number };
};

export type TestOutcome = { ok: boolean; message: string };

export const DELETE_CONFIRMATION =
  'The webhook and its delivery log are deleted, and its URL gets no more pipeline events. Are you sure?';

const DeliveriesQuery = graphql(`
  query WebhookDeliveries($id: ID!) {
    node(id: $id) {
      ... on Webhook {
        id
        deliveries(first: 20, orderBy: { field: CREATED_AT, direction: DESC }) {
          totalCount
          nodes {
            id
            uuid
            kind
            status
            state
            attempts
            lastAttemptAt
            responseStatus
            responseBody
            error
            durationMs
            createdAt
            requestHeaders {
              key
              value
            }
          }
        }
      }
    }
  }
`);

const ResendDelivery = graphql(`
  mutation WebhookDeliveryResend($input: WebhookDeliveryResendInput!) {
    webhookDeliveryResend(input: $input) {
      delivery {
        id
        state
        responseStatus
        error
      }
      errors
    }
  }
`);

/** What the table calls a hook: its name, else its URL. */
export function hookLabel(hook: { name: string; url: string }): string {
  return hook.name || hook.url;
}

/**
 * The project's webhooks: URL, filters and status, with Test, Edit, Rotate
 * signing secret and Delete, and each hook's recent deliveries on demand.
 * Callbacks resolve to an error message or null (onTest: the outcome).
 */
export function WebhooksTable({
  hooks,
  onTest,
  onEdit,
  onRotate,
  onDelete,
}: {
  hooks: readonly WebhookRow[];
  onTest: (id: string) => Promise<TestOutcome>;
  onEdit: (id: string, values: WebhookValues) => Promise<string | null>;
  onRotate: (id: string) => Promise<string | null>;
  onDelete: (id: string) => Promise<string | null>;
}) {
  const { target: dialog, busy, error, open, close, run } = useDialogAction<{
    kind: 'delete' | 'rotate' | 'edit';
    hook: WebhookRow;
  }>();
  const [outcomes, setOutcomes] = useState<Record<string, TestOutcome | 'testing'>>({});
  const [expanded, setExpanded] = useState<Record<string, boolean>>({});

  if (hooks.length === 0) {
    return <p className="muted empty-note">No webhooks have been added yet. Add one above.</p>;
  }
  return (
    <>
      <DataTable label="Webhooks" columns={['Webhook', 'Filters', 'Status']} actions>
        {hooks.map((h) => {
          const label = hookLabel(h);
          const outcome = outcomes[h.id];
          return (
            <Fragment key={h.id}>
              <tr>
                <td data-label="Webhook" className="wrap">
                  {h.name ? <div className="strong">{h.name}</div> : null}
                  <code className="mono small">{h.url}</code>
                  {h.description ? <div className="muted small">{h.description}</div> : null}
                </td>
                <td data-label="Filters" className="wrap small">
                  <div>Statuses: {h.statuses?.length ? h.statuses.join(', ') : 'all'}</div>
                  <div>Refs: {h.refGlobs?.length ? h.refGlobs.join(', ') : 'all'}</div>
                  {h.enableSslVerification ? null : <div>SSL verification off</div>}
                  {h.hasToken ? <div>Secret token set</div> : null}
                  {h.customHeaderNames?.length ? <div>Headers: {h.customHeaderNames.join(', ')}</div> : null}
                </td>
                <td data-label="Status" className="wrap">
                  {!h.executable || h.disabledAt ? (
                    <span className="badge badge-danger">Disabled{h.disabledReason ? `: ${h.disabledReason}` : ''}</span>
                  ) : h.pipelineEvents ? (
                    <span className="badge badge-success">Enabled</span>
                  ) : (
                    <span className="badge">Paused</span>
                  )}
                  {outcome ? (
                    <div role="status" className={outcome !== 'testing' && !outcome.ok ? 'small error-text' : 'small'}>
                      {outcome === 'testing' ? 'Testing…' : outcome.message}
                    </div>
                  ) : null}
                </td>
                <td data-label="Actions" className="actions">
                  <button
                    type="button"
                    className="btn btn-sm"
                    aria-label={`Test webhook ${label}`}
                    disabled={outcome === 'testing'}
                    onClick={async () => {
                      setOutcomes((o) => ({ ...o, [h.id]: 'testing' }));
                      const result = await onTest(h.id);
                      setOutcomes((o) => ({ ...o, [h.id]: result }));
                    }}
                  >
                    Test
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm"
                    aria-label={`Edit webhook ${label}`}
                    onClick={() => open({ kind: 'edit', hook: h })}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm"
                    aria-label={`Rotate signing secret of webhook ${label}`}
                    onClick={() => open({ kind: 'rotate', hook: h })}
                  >
                    Rotate signing secret
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm btn-danger-outline"
                    aria-label={`Delete webhook ${label}`}
                    onClick={() => open({ kind: 'delete', hook: h })}
                  >
                    Delete
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm btn-link"
                    aria-expanded={!!expanded[h.id]}
                    aria-label={`Recent deliveries of ${label}`}
                    onClick={() => setExpanded((e) => ({ ...e, [h.id]: !e[h.id] }))}
                  >
                    {expanded[h.id] ? 'Hide deliveries' : 'Recent deliveries'}
                    {h.deliveries ? ` (${h.deliveries.totalCount})` : ''}
                  </button>
                </td>
              </tr>
              {expanded[h.id] ? (
                <tr className="sub-row">
                  <td colSpan={4}>
                    <WebhookDeliveries hookId={h.id} label={label} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </DataTable>
      {dialog?.kind === 'delete' ? (
        <ConfirmDialog
          title="Delete webhook?"
          message={DELETE_CONFIRMATION}
          confirmLabel="Delete webhook"
          danger
          busy={busy}
          error={error}
          onCancel={close}
          onConfirm={() => run(() => onDelete(dialog.hook.id))}
        />
      ) : null}
      {dialog?.kind === 'rotate' ? (
        <ConfirmDialog
          title="Rotate signing secret?"
          message={`“${hookLabel(dialog.hook)}” gets a new signing secret, shown once. The old one still signs deliveries for a day, so the receiver can switch over.`}
          confirmLabel="Rotate signing secret"
          busy={busy}
          error={error}
          onCancel={close}
          onConfirm={() => run(() => onRotate(dialog.hook.id))}
        />
      ) : null}
      {dialog?.kind === 'edit' ? (
        <Modal
          title="Edit webhook"
          onClose={close}
          footer={
            <>
              <button type="button" className="btn" onClick={close}>
                Cancel
              </button>
              <button type="submit" form="edit-webhook-form" className="btn btn-primary">
                Save changes
              </button>
            </>
          }
        >
          <WebhookForm
            idPrefix="edit-webhook"
            formId="edit-webhook-form"
            initial={dialog.hook}
            onSubmit={async (values) => {
              const failure = await onEdit(dialog.hook.id, values);
              if (!failure) close();
              return failure;
            }}
          />
        </Modal>
      ) : null}
    </>
  );
}

export function deliveryState(d: { state: string; attempts: number }): string {
  if (d.state === 'delivered') return 'delivered';
  if (d.state === 'pending') return d.attempts > 0 ? `pending (attempt ${d.attempts})` : 'pending';
  return 'failed';
}

/** One hook's recent deliveries, newest first, each with its details and Resend. */
export function WebhookDeliveries({ hookId, label }: { hookId: string; label: string }) {
  const context = useMemo(() => ({ additionalTypenames: ['WebhookDelivery'] }), []);
  const [{ data, fetching, error }, reexecute] = useQuery({ query: DeliveriesQuery, variables: { id: hookId }, context });
  const [, resend] = useMutation(ResendDelivery);
  const [resendError, setResendError] = useState<string | null>(null);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });

  if (error && !data) return <ErrorState title="Could not load deliveries" error={error} onRetry={refresh} />;
  if (!data) return fetching ? <Loading>Loading deliveries…</Loading> : null;
  const node = data.node;
  const deliveries =
    node && node.__typename === 'Webhook' ? node.deliveries.nodes.flatMap((n) => (n ? [n] : [])) : [];
  if (deliveries.length === 0) return <p className="muted empty-note">No deliveries yet. Press Test to send one.</p>;
  return (
    <>
      <ErrorAlert message={resendError} />
      <DataTable
        label={`Deliveries of ${label}`}
        columns={['Created', 'Event', 'State', 'Response', 'Duration', 'Attempts', 'Details']}
        actions
      >
        {deliveries.map((d) => (
          <tr key={d.id}>
            <td data-label="Created">
              <Time value={d.createdAt} />
            </td>
            <td data-label="Event">
              {d.kind === 'test' ? 'Test' : 'Pipeline'} · {d.status}
            </td>
            <td data-label="State">
              <span
                className={
                  d.state === 'delivered' ? 'badge badge-success' : d.state === 'failed' ? 'badge badge-danger' : 'badge badge-muted'
                }
              >
                {deliveryState(d)}
              </span>
            </td>
            <td data-label="Response">{d.responseStatus ? `HTTP ${d.responseStatus}` : '—'}</td>
            <td data-label="Duration">{d.durationMs != null ? `${d.durationMs} ms` : '—'}</td>
            <td data-label="Attempts">{d.attempts}</td>
            <td data-label="Details" className="wrap">
              <details>
                <summary>Details of delivery {numericId(d.id)}</summary>
                <p className="small">
                  Event ID <code className="mono">{d.uuid}</code>
                  {d.lastAttemptAt ? (
                    <>
                      {' '}
                      · last attempt <Time value={d.lastAttemptAt} />
                    </>
                  ) : null}
                </p>
                {d.error ? <p className="small error-text">{d.error}</p> : null}
                <p className="small strong">Request headers</p>
                <pre className="pre small">{d.requestHeaders.map((h) => `${h.key}: ${h.value}`).join('\n')}</pre>
                <p className="small strong">Response body</p>
                <pre className="pre small">{d.responseBody || '(empty)'}</pre>
              </details>
            </td>
            <td data-label="Actions" className="actions">
              <button
                type="button"
                className="btn btn-sm"
                aria-label={`Resend delivery ${numericId(d.id)}`}
                onClick={async () => {
                  setResendError(null);
                  const result = await resend({ input: { id: d.id } });
                  const failure = mutationFailure(result, result.data?.webhookDeliveryResend);
                  if (failure) setResendError(failure);
                  refresh();
                }}
              >
                Resend
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}
