import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { CreateWithExpiryForm } from '../ui/CreateWithExpiryForm';
import { NewTokenAlert } from '../ui/NewTokenAlert';
import { ErrorState, Loading } from '../ui/States';
import { mutationFailure } from '../graphql/errors';
import { TriggerTokensTable } from './TriggerTokensTable';
import { UsageExamples } from './UsageExamples';

const TriggersQuery = graphql(`
  query PipelineTriggers($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      pipelineTriggers(first: 100) {
        totalCount
        nodes {
          id
          description
          token
          hasTokenExposed
          canAccessProject
          expired
          expiresAt
          lastUsed
          createdAt
          signed
          receiver
          owner {
            id
            username
            name
          }
        }
      }
    }
  }
`);

const CreateTrigger = graphql(`
  mutation PipelineTriggerCreate($input: PipelineTriggerCreateInput!) {
    pipelineTriggerCreate(input: $input) {
      pipelineTrigger {
        id
        description
        token
      }
      errors
    }
  }
`);

const UpdateTrigger = graphql(`
  mutation PipelineTriggerUpdate($input: PipelineTriggerUpdateInput!) {
    pipelineTriggerUpdate(input: $input) {
      pipelineTrigger {
        id
        description
      }
      errors
    }
  }
`);

const DeleteTrigger = graphql(`
  mutation PipelineTriggerDelete($input: PipelineTriggerDeleteInput!) {
    pipelineTriggerDelete(input: $input) {
      errors
    }
  }
`);

const SetSigning = graphql(`
  mutation PipelineTriggerSetSigning($input: PipelineTriggerSetSigningInput!) {
    pipelineTriggerSetSigning(input: $input) {
      pipelineTrigger {
        id
        description
        signed
      }
      signingSecret
      errors
    }
  }
`);

const TakeOwnership = graphql(`
  mutation PipelineTriggerTakeOwnership($input: PipelineTriggerTakeOwnershipInput!) {
    pipelineTriggerTakeOwnership(input: $input) {
      pipelineTrigger {
        id
        token
        hasTokenExposed
        owner {
          id
          username
          name
        }
      }
      errors
    }
  }
`);

/** Settings › CI/CD › Pipeline trigger tokens, for Maintainers. */
export function PipelineTriggersSection({
  projectId,
  fullPath,
  defaultBranch,
}: {
  projectId: string;
  fullPath: string;
  defaultBranch: string;
}) {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: TriggersQuery, variables: { fullPath } });
  const [, createTrigger] = useMutation(CreateTrigger);
  const [, updateTrigger] = useMutation(UpdateTrigger);
  const [, deleteTrigger] = useMutation(DeleteTrigger);
  const [, takeOwnership] = useMutation(TakeOwnership);
  const [, setSigning] = useMutation(SetSigning);
  const [created, setCreated] = useState<{ description: string; token: string } | null>(null);
  const [signingSecret, setSigningSecret] = useState<{ description: string; secret: string } | null>(null);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });

  const triggers = (data?.project?.pipelineTriggers.nodes ?? []).flatMap((n) => (n ? [n] : []));

  return (
    <section className="settings-section" aria-labelledby="triggers-title">
      <h2 id="triggers-title" className="section-title">
        Pipeline trigger tokens
      </h2>
      <p className="muted">
        Trigger a pipeline for a branch or tag by generating a trigger token and using it with an API call. The token
        impersonates its owner’s project access and permissions.
      </p>
      <CreateWithExpiryForm
        heading={{ id: 'add-trigger-title', level: 3, text: 'Add new token' }}
        name={{ id: 'trigger-description', label: 'Description', placeholder: 'e.g. deploy from the release job' }}
        expires={{
          id: 'trigger-expires',
          maxDays: 365,
          help: 'At most a year ahead. The token stops working at the end of that day (UTC).',
        }}
        submitLabel="Create pipeline trigger token"
        onCreate={async (description, expiresAt) => {
          const result = await createTrigger({ input: { projectPath: fullPath, description, expiresAt } });
          const payload = result.data?.pipelineTriggerCreate;
          const failure = mutationFailure(result, payload);
          if (!failure && payload?.pipelineTrigger) {
            setCreated({ description: payload.pipelineTrigger.description, token: payload.pipelineTrigger.token });
            refresh();
          }
          return failure;
        }}
      />
      {created ? (
        <NewTokenAlert token={created.token} testId="new-trigger-token" copyLabel="Copy new trigger token">
          Trigger token “{created.description}” created. Store it somewhere safe: it starts pipelines as you.
        </NewTokenAlert>
      ) : null}
      {signingSecret ? (
        <NewTokenAlert token={signingSecret.secret} testId="new-signing-secret" copyLabel="Copy signing secret">
          Calls with “{signingSecret.description}” must now be signed with this secret (shown once; a previous one
          stops at once).
        </NewTokenAlert>
      ) : null}
      <h3 className="subsection-title">
        Active trigger tokens{' '}
        {data?.project ? <span className="count">{data.project.pipelineTriggers.totalCount}</span> : null}
      </h3>
      {error && !data ? (
        <ErrorState title="Could not load trigger tokens" error={error} onRetry={refresh} />
      ) : !data ? (
        fetching ? (
          <Loading>Loading trigger tokens…</Loading>
        ) : null
      ) : (
        <TriggerTokensTable
          triggers={triggers}
          onRevoke={async (id) => {
            const result = await deleteTrigger({ input: { id } });
            const failure = mutationFailure(result, result.data?.pipelineTriggerDelete);
            if (!failure) {
              if (created && triggers.find((t) => t.id === id)?.token === created.token) setCreated(null);
              refresh();
            }
            return failure;
          }}
          onEdit={async (id, description) => {
            const result = await updateTrigger({ input: { id, description } });
            return mutationFailure(result, result.data?.pipelineTriggerUpdate);
          }}
          onSetSigning={async (id, signed, receiver) => {
            const result = await setSigning({ input: { id, signed, receiver } });
            const payload = result.data?.pipelineTriggerSetSigning;
            const failure = mutationFailure(result, payload);
            if (!failure) {
              const description = payload?.pipelineTrigger?.description ?? '';
              setSigningSecret(payload?.signingSecret ? { description, secret: payload.signingSecret } : null);
              refresh();
            }
            return failure;
          }}
          onTakeOwnership={async (id) => {
            const result = await takeOwnership({ input: { id } });
            const failure = mutationFailure(result, result.data?.pipelineTriggerTakeOwnership);
            if (!failure) refresh();
            return failure;
          }}
        />
      )}
      <UsageExamples projectId={projectId} fullPath={fullPath} defaultBranch={defaultBranch} />
    </section>
  );
}
