import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { NewTokenAlert } from '../ui/NewTokenAlert';
import { ErrorState, Loading } from '../ui/States';
import { mutationFailure } from '../graphql/errors';
import { AddRunnerForm, RunnersTable } from './RunnersTable';

const RunnersQuery = graphql(`
  query ProjectRunners($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      runners(first: 100) {
        totalCount
        nodes {
          id
          description
          shortSha
          runnerType
          contactedAt
          createdAt
          creator {
            id
            username
          }
        }
      }
    }
  }
`);

const CreateRunner = graphql(`
  mutation RunnerCreate($input: RunnerCreateInput!) {
    runnerCreate(input: $input) {
      runner {
        id
        description
      }
      token
      errors
    }
  }
`);

const DeleteRunner = graphql(`
  mutation RunnerDelete($input: RunnerDeleteInput!) {
    runnerDelete(input: $input) {
      errors
    }
  }
`);

/** Settings › CI/CD › Runners, for Maintainers. */
export function RunnersSection({ fullPath }: { fullPath: string }) {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: RunnersQuery, variables: { fullPath } });
  const [, createRunner] = useMutation(CreateRunner);
  const [, deleteRunner] = useMutation(DeleteRunner);
  const [created, setCreated] = useState<{ id: string; token: string } | null>(null);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const runners = (data?.project?.runners.nodes ?? []).flatMap((n) => (n ? [n] : []));

  return (
    <section className="settings-section" aria-labelledby="runners-title">
      <h2 id="runners-title" className="section-title">
        Runners
      </h2>
      <p className="muted">Project runners pick up this project’s jobs. Each one authenticates with its own token.</p>
      <AddRunnerForm
        onCreate={async (description) => {
          const result = await createRunner({ input: { projectPath: fullPath, description: description || null } });
          const payload = result.data?.runnerCreate;
          const failure = mutationFailure(result, payload);
          if (!failure && payload?.runner && payload.token) {
            setCreated({ id: payload.runner.id, token: payload.token });
            refresh();
          }
          return failure;
        }}
      />
      {created ? (
        <NewTokenAlert token={created.token} testId="new-runner-token" copyLabel="Copy runner token">
          Runner created. Register it with this token; it is shown only once.
        </NewTokenAlert>
      ) : null}
      <h3 className="subsection-title">
        Project runners {data?.project ? <span className="count">{data.project.runners.totalCount}</span> : null}
      </h3>
      {error && !data ? (
        <ErrorState title="Could not load runners" error={error} onRetry={refresh} />
      ) : !data ? (
        fetching ? (
          <Loading>Loading runners…</Loading>
        ) : null
      ) : (
        <RunnersTable
          runners={runners}
          onDelete={async (id) => {
            const result = await deleteRunner({ input: { id } });
            const failure = mutationFailure(result, result.data?.runnerDelete);
            if (!failure) {
              if (created?.id === id) setCreated(null);
              refresh();
            }
            return failure;
          }}
        />
      )}
    </section>
  );
}
