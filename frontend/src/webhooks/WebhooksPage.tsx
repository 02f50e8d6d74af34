import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { mutationFailure } from '../graphql/errors';
import { useProject } from '../projects/ProjectContext';
import { NewTokenAlert } from '../ui/NewTokenAlert';
import { ErrorState, Loading } from '../ui/States';
import { WebhookForm, type WebhookValues } from './WebhookForm';
import { WebhooksTable, type TestOutcome } from './WebhooksTable';

const WebhooksQuery = graphql(`
  query ProjectWebhooks($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      webhooks(first: 50) {
        totalCount
        nodes {
          id
          name
          description
          url
          pipelineEvents
          enableSslVerification
          statuses
          refGlobs
          customHeaderNames
          executable
          hasToken
          disabledAt
          disabledReason
          createdAt
          deliveries(first: 1) {
            totalCount
          }
        }
      }
    }
  }
`);

const CreateWebhook = graphql(`
  mutation WebhookCreate($input: WebhookCreateInput!) {
    webhookCreate(input: $input) {
      webhook {
        id
        name
        url
      }
      signingSecret
      errors
    }
  }
`);

const UpdateWebhook = graphql(`
  mutation WebhookUpdate($input: WebhookUpdateInput!) {
    webhookUpdate(input: $input) {
      webhook {
        id
      }
      errors
    }
  }
`);

const DeleteWebhook = graphql(`
  mutation WebhookDelete($input: WebhookDeleteInput!) {
    webhookDelete(input: $input) {
      errors
    }
  }
`);

const TestWebhook = graphql(`
  mutation WebhookTest($input: WebhookTestInput!) {
    webhookTest(input: $input) {
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

const RotateSecret = graphql(`
  mutation WebhookRotateSigningSecret($input: WebhookRotateSigningSecretInput!) {
    webhookRotateSigningSecret(input: $input) {
      signingSecret
      errors
    }
  }
`);

/** Settings › Webhooks (GitLab's /-/hooks), for Maintainers. */
export function WebhooksPage() {
  const project = useProject();
  return (
    <section className="page" aria-labelledby="webhooks-title">
      <title>{`Webhooks · ${project.fullPath} · Kickoff`}</title>
      <div className="page-header">
        <h1 id="webhooks-title">Webhooks</h1>
      </div>
      {project.userPermissions.adminProject ? (
        <WebhooksSection fullPath={project.fullPath} />
      ) : (
        <div className="state" role="note">
          <p className="state-title">You need the Maintainer role</p>
          <p className="muted">The webhooks of this project are managed by its Maintainers. Ask one of them for access.</p>
        </div>
      )}
    </section>
  );
}

/** The create/update input's fields from the form's values. */
function hookFields(values: WebhookValues, editing: boolean) {
  return {
    // An edit sends the URL only when changed: the one shown has its secrets as ****.
    ...(values.urlChanged ? { url: values.url } : {}),
    pipelineEvents: values.pipelineEvents,
    name: values.name,
    description: values.description,
    ...(values.removeToken ? { token: '' } : values.token ? { token: values.token } : {}),
    enableSslVerification: values.enableSslVerification,
    statuses: values.statuses,
    refGlobs: values.refGlobs,
    // On edit, no headers entered keeps the current ones, unless asked to remove them.
    ...(editing && values.customHeaders.length === 0 && !values.removeHeaders
      ? {}
      : { customHeaders: values.customHeaders }),
  };
}

function WebhooksSection({ fullPath }: { fullPath: string }) {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: WebhooksQuery, variables: { fullPath } });
  const [, createWebhook] = useMutation(CreateWebhook);
  const [, updateWebhook] = useMutation(UpdateWebhook);
  const [, deleteWebhook] = useMutation(DeleteWebhook);
  const [, testWebhook] = useMutation(TestWebhook);
  const [, rotateSecret] = useMutation(RotateSecret);
  const [secret, setSecret] = useState<{ label: string; secret: string; rotated: boolean } | null>(null);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const hooks = (data?.project?.webhooks.nodes ?? []).flatMap((n) => (n ? [n] : []));

  return (
    <>
      <section className="settings-section" aria-labelledby="add-webhook-section">
        <h2 id="add-webhook-section" className="section-title">
          Project hooks
        </h2>
        <p className="muted">
          Webhooks send GitLab’s Pipeline Hook (X-Gitlab-Event: Pipeline Hook) to a URL when a pipeline of this project
          changes. Each delivery is signed per the Standard Webhooks spec and logged below.
        </p>
        <WebhookForm
          idPrefix="webhook"
          heading={{ id: 'add-webhook-title', text: 'Add new webhook' }}
          submitLabel="Add webhook"
          onSubmit={async (values) => {
            const result = await createWebhook({
              input: { projectPath: fullPath, url: values.url, ...hookFields(values, false) },
            });
            const payload = result.data?.webhookCreate;
            const failure = mutationFailure(result, payload);
            if (!failure && payload?.webhook && payload.signingSecret) {
              setSecret({
                label: payload.webhook.name || payload.webhook.url,
                secret: payload.signingSecret,
                rotated: false,
              });
              refresh();
            }
            return failure;
          }}
        />
        {secret ? (
          <NewTokenAlert token={secret.secret} testId="new-webhook-secret" copyLabel="Copy signing secret">
            {secret.rotated ? 'New signing secret' : 'Webhook'} for “{secret.label}”
            {secret.rotated ? ' (the old one still signs for a day)' : ' created'}. Store the signing secret now: it is
            shown only this once. Verify the webhook-signature header of each delivery with it, using any Standard
            Webhooks library; the receiver also gets your secret token as X-Gitlab-Token.
          </NewTokenAlert>
        ) : null}
      </section>
      <section className="settings-section" aria-labelledby="webhooks-list-title">
        <h2 id="webhooks-list-title" className="section-title">
          Webhooks {data?.project ? <span className="count">{data.project.webhooks.totalCount}</span> : null}
        </h2>
        {error && !data ? (
          <ErrorState title="Could not load webhooks" error={error} onRetry={refresh} />
        ) : !data ? (
          fetching ? (
            <Loading>Loading webhooks…</Loading>
          ) : null
        ) : (
          <WebhooksTable
            hooks={hooks}
            onTest={async (id): Promise<TestOutcome> => {
              const result = await testWebhook({ input: { id } });
              const payload = result.data?.webhookTest;
              const failure = mutationFailure(result, payload);
              refresh();
              if (failure || !payload?.delivery) return { ok: false, message: failure ?? 'No delivery was made.' };
              return testOutcome(payload.delivery);
            }}
            onEdit={async (id, values) => {
              const result = await updateWebhook({ input: { id, ...hookFields(values, true) } });
              const failure = mutationFailure(result, result.data?.webhookUpdate);
              if (!failure) refresh();
              return failure;
            }}
            onRotate={async (id) => {
              const result = await rotateSecret({ input: { id } });
              const payload = result.data?.webhookRotateSigningSecret;
              const failure = mutationFailure(result, payload);
              if (!failure && payload?.signingSecret) {
                const hook = hooks.find((h) => h.id === id);
                setSecret({ label: hook ? hook.name || hook.url : id, secret: payload.signingSecret, rotated: true });
              }
              return failure;
            }}
            onDelete={async (id) => {
              const result = await deleteWebhook({ input: { id } });
              const failure = mutationFailure(result, result.data?.webhookDelete);
              if (!failure) refresh();
              return failure;
            }}
          />
        )}
      </section>
    </>
  );
}

/** "Delivered (HTTP 200)", or what went wrong. */
export function testOutcome(delivery: { state: string; responseStatus?: number | null; error: string }): TestOutcome {
  const http = delivery.responseStatus ? ` (HTTP ${delivery.responseStatus})` : '';
  if (delivery.state === 'delivered') return { ok: true, message: `Delivered${http}` };
  return { ok: false, message: `Failed${http}${delivery.error ? `: ${delivery.error}` : ''}` };
}
