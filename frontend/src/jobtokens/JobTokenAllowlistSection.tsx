import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { ErrorState, Loading } from '../ui/States';
import { mutationFailure } from '../graphql/errors';
import { AddAllowedProjectForm, AllowlistTable } from './JobTokenAllowlist';

const AllowlistQuery = graphql(`
  query JobTokenAllowlist($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      ciJobTokenScope {
        inboundAllowlist(first: 100) {
          totalCount
          nodes {
            id
            name
            fullPath
          }
        }
      }
    }
  }
`);

const AddProject = graphql(`
  mutation CiJobTokenScopeAddProject($input: CiJobTokenScopeAddProjectInput!) {
    ciJobTokenScopeAddProject(input: $input) {
      errors
    }
  }
`);

const RemoveProject = graphql(`
  mutation CiJobTokenScopeRemoveProject($input: CiJobTokenScopeRemoveProjectInput!) {
    ciJobTokenScopeRemoveProject(input: $input) {
      errors
    }
  }
`);

/** Settings › CI/CD › Job token permissions (GitLab's inbound allowlist), for Maintainers. */
export function JobTokenAllowlistSection({ fullPath }: { fullPath: string }) {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: AllowlistQuery, variables: { fullPath } });
  const [, addProject] = useMutation(AddProject);
  const [, removeProject] = useMutation(RemoveProject);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const allowlist = data?.project?.ciJobTokenScope?.inboundAllowlist;
  const projects = (allowlist?.nodes ?? []).flatMap((n) => (n ? [n] : []));
  // Both mutations answer with the payload's errors; a change shows in a fresh list.
  const settle = (failure: string | null) => {
    if (!failure) refresh();
    return failure;
  };

  return (
    <section className="settings-section" aria-labelledby="job-token-title">
      <h2 id="job-token-title" className="section-title">
        Job token permissions
      </h2>
      <p className="muted">
        A job token can start pipelines in this project only if its pipeline belongs to this project or to a project
        listed here. Everything else is refused.
      </p>
      <AddAllowedProjectForm
        onAdd={async (targetProjectPath) => {
          const result = await addProject({ input: { projectPath: fullPath, targetProjectPath } });
          return settle(mutationFailure(result, result.data?.ciJobTokenScopeAddProject));
        }}
      />
      <h3 className="subsection-title">
        Allowed projects {allowlist ? <span className="count">{allowlist.totalCount}</span> : null}
      </h3>
      {error && !data ? (
        <ErrorState title="Could not load the job token allowlist" error={error} onRetry={refresh} />
      ) : !data ? (
        fetching ? (
          <Loading>Loading the job token allowlist…</Loading>
        ) : null
      ) : (
        <AllowlistTable
          projects={projects}
          fullPath={fullPath}
          onRemove={async (targetProjectPath) => {
            const result = await removeProject({ input: { projectPath: fullPath, targetProjectPath } });
            return settle(mutationFailure(result, result.data?.ciJobTokenScopeRemoveProject));
          }}
        />
      )}
    </section>
  );
}
