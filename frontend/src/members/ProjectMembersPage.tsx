import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import type { AccessLevel } from '../graphql/generated/graphql';
import { ErrorState, Loading } from '../ui/States';
import { mutationFailure } from '../graphql/errors';
import { AddMemberForm, MembersTable } from './MembersTable';
import { useProject } from '../projects/ProjectContext';

const MembersQuery = graphql(`
  query ProjectMembers($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      members(first: 100, orderBy: { field: ACCESS_LEVEL, direction: DESC }) {
        totalCount
        nodes {
          id
          accessLevel
          user {
            id
            username
            name
          }
        }
      }
    }
  }
`);

const AddMember = graphql(`
  mutation ProjectMemberAdd($input: ProjectMemberAddInput!) {
    projectMemberAdd(input: $input) {
      member {
        id
        accessLevel
      }
      errors
    }
  }
`);

const UpdateMember = graphql(`
  mutation ProjectMemberUpdate($input: ProjectMemberUpdateInput!) {
    projectMemberUpdate(input: $input) {
      member {
        id
        accessLevel
      }
      errors
    }
  }
`);

const RemoveMember = graphql(`
  mutation ProjectMemberRemove($input: ProjectMemberRemoveInput!) {
    projectMemberRemove(input: $input) {
      member {
        id
      }
      errors
    }
  }
`);

/** `/<fullPath>/-/project_members`: who has access; Maintainers manage it. */
export function ProjectMembersPage() {
  const project = useProject();
  const fullPath = project.fullPath;
  const canManage = project.userPermissions.adminProject;
  const [{ data, fetching, error }, reexecute] = useQuery({ query: MembersQuery, variables: { fullPath } });
  const [, addMember] = useMutation(AddMember);
  const [, updateMember] = useMutation(UpdateMember);
  const [, removeMember] = useMutation(RemoveMember);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const members = (data?.project?.members.nodes ?? []).flatMap((n) => (n ? [n] : []));

  return (
    <section className="page" aria-labelledby="members-title">
      <title>{`Members · ${fullPath} · Kickoff`}</title>
      <div className="page-header">
        <h1 id="members-title">Project members</h1>
        {data?.project ? (
          <span className="count" aria-label={`${data.project.members.totalCount} members`}>
            {data.project.members.totalCount}
          </span>
        ) : null}
      </div>
      {canManage ? (
        <AddMemberForm
          onAdd={async (username, accessLevel: AccessLevel) => {
            const result = await addMember({ input: { projectPath: fullPath, username, accessLevel } });
            const failure = mutationFailure(result, result.data?.projectMemberAdd);
            if (!failure) refresh();
            return failure;
          }}
        />
      ) : null}
      {error && !data ? (
        <ErrorState title="Could not load members" error={error} onRetry={refresh} />
      ) : !data ? (
        fetching ? (
          <Loading>Loading members…</Loading>
        ) : null
      ) : (
        <MembersTable
          members={members}
          canManage={canManage}
          onChangeLevel={async (username, accessLevel) => {
            const result = await updateMember({ input: { projectPath: fullPath, username, accessLevel } });
            const failure = mutationFailure(result, result.data?.projectMemberUpdate);
            if (!failure) refresh();
            return failure;
          }}
          onRemove={async (username) => {
            const result = await removeMember({ input: { projectPath: fullPath, username } });
            const failure = mutationFailure(result, result.data?.projectMemberRemove);
            if (!failure) refresh();
            return failure;
          }}
        />
      )}
    </section>
  );
}
