import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { CopyButton } from '../components/CopyButton';
import { ErrorState, Loading } from '../components/States';
import { mutationFailure } from '../graphql/errors';
import { endOfDayUTC, isoDateFromToday } from '../lib/format';
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
  const [created, setCreated] = useState<{ description: string; token: string } | null>(null);
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
      <AddTriggerForm
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
        <div className="alert alert-success" role="status">
          <p>
            Trigger token “{created.description}” created. Store it somewhere safe: it starts pipelines as you.
          </p>
          <div className="token-cell">
            <code className="token" data-testid="new-trigger-token">
              {created.token}
            </code>
            <CopyButton text={created.token} label="Copy new trigger token" />
          </div>
        </div>
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

function AddTriggerForm({ onCreate }: { onCreate: (description: string, expiresAt: string | null) => Promise<string | null> }) {
  const [description, setDescription] = useState('');
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !description.trim()) return;
    setBusy(true);
    setError(null);
    const failure = await onCreate(description.trim(), expires ? endOfDayUTC(expires) : null);
    setBusy(false);
    if (failure) setError(failure);
    else {
      setDescription('');
      setExpires('');
    }
  }

  return (
    <form className="form add-form" onSubmit={submit} aria-labelledby="add-trigger-title">
      <h3 id="add-trigger-title" className="subsection-title">
        Add new token
      </h3>
      <div className="field">
        <label htmlFor="trigger-description">Description</label>
        <input
          id="trigger-description"
          type="text"
          required
          maxLength={255}
          placeholder="e.g. deploy from the release job"
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="trigger-expires">
          Expiration date <span className="muted">(optional)</span>
        </label>
        <input
          id="trigger-expires"
          type="date"
          min={isoDateFromToday(1)}
          max={isoDateFromToday(365)}
          value={expires}
          aria-describedby="trigger-expires-help"
          onChange={(event) => setExpires(event.target.value)}
        />
        <span id="trigger-expires-help" className="muted small">
          At most a year ahead. The token stops working at the end of that day (UTC).
        </span>
      </div>
      {error ? (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      ) : null}
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create pipeline trigger token'}
        </button>
      </div>
    </form>
  );
}
