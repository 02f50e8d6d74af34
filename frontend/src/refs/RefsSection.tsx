import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { ErrorState, Loading } from '../ui/States';
import { mutationFailure } from '../graphql/errors';
import { AddRefForm, RefsTable } from './RefsTable';

const RefsQuery = graphql(`
  query ProjectRefs($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      refs(first: 100) {
        totalCount
        nodes {
          id
          name
          type
          sha
        }
      }
    }
  }
`);

const CreateRef = graphql(`
  mutation RefCreate($input: RefCreateInput!) {
    refCreate(input: $input) {
      ref {
        id
        name
        type
        sha
      }
      errors
    }
  }
`);

const DeleteRef = graphql(`
  mutation RefDelete($input: RefDeleteInput!) {
    refDelete(input: $input) {
      ref {
        id
      }
      errors
    }
  }
`);

/** Settings › CI/CD › Branches and tags, for Maintainers. */
export function RefsSection({ fullPath, defaultBranch }: { fullPath: string; defaultBranch: string }) {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: RefsQuery, variables: { fullPath } });
  const [, createRef] = useMutation(CreateRef);
  const [, deleteRef] = useMutation(DeleteRef);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const refs = (data?.project?.refs.nodes ?? []).flatMap((n) => (n ? [n] : []));

  return (
    <section className="settings-section" aria-labelledby="refs-title">
      <h2 id="refs-title" className="section-title">
        Branches and tags
      </h2>
      <p className="muted">Pipelines run for these refs. The default branch cannot be deleted.</p>
      <AddRefForm
        onCreate={async (name, type, sha) => {
          const result = await createRef({ input: { projectPath: fullPath, name, type, sha } });
          const failure = mutationFailure(result, result.data?.refCreate);
          if (!failure) refresh();
          return failure;
        }}
      />
      <h3 className="subsection-title">
        Refs {data?.project ? <span className="count">{data.project.refs.totalCount}</span> : null}
      </h3>
      {error && !data ? (
        <ErrorState title="Could not load refs" error={error} onRetry={refresh} />
      ) : !data ? (
        fetching ? (
          <Loading>Loading refs…</Loading>
        ) : null
      ) : (
        <RefsTable
          refs={refs}
          defaultBranch={defaultBranch}
          onDelete={async (id) => {
            const result = await deleteRef({ input: { id } });
            const failure = mutationFailure(result, result.data?.refDelete);
            if (!failure) refresh();
            return failure;
          }}
        />
      )}
    </section>
  );
}
