/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query CurrentUser {\n    currentUser {\n      id\n      username\n      name\n    }\n  }\n": typeof types.CurrentUserDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere {\n      endedSessions\n      errors\n    }\n  }\n": typeof types.SignOutEverywhereDocument,
    "\n  mutation CurrentUserPasswordUpdate($input: CurrentUserPasswordUpdateInput!) {\n    currentUserPasswordUpdate(input: $input) {\n      errors\n    }\n  }\n": typeof types.CurrentUserPasswordUpdateDocument,
    "\n  query PersonalAccessTokens {\n    currentUser {\n      id\n      personalAccessTokens(first: 100) {\n        nodes {\n          id\n          name\n          createdAt\n          expiresAt\n          lastUsedAt\n        }\n      }\n    }\n  }\n": typeof types.PersonalAccessTokensDocument,
    "\n  mutation PersonalAccessTokenCreate($input: PersonalAccessTokenCreateInput!) {\n    personalAccessTokenCreate(input: $input) {\n      token\n      personalAccessToken {\n        id\n        name\n      }\n      errors\n    }\n  }\n": typeof types.PersonalAccessTokenCreateDocument,
    "\n  mutation PersonalAccessTokenRevoke($input: PersonalAccessTokenRevokeInput!) {\n    personalAccessTokenRevoke(input: $input) {\n      personalAccessToken {\n        id\n      }\n      errors\n    }\n  }\n": typeof types.PersonalAccessTokenRevokeDocument,
    "\n  query ProjectAuditEvents($fullPath: ID!, $first: Int, $after: Cursor) {\n    project(fullPath: $fullPath) {\n      id\n      auditEvents(first: $first, after: $after) {\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          createdAt\n          action\n          outcome\n          reason\n          actorTokenKind\n          actorShortToken\n          ipAddress\n          userAgent\n          targetType\n          targetId\n          actorUser {\n            id\n            username\n          }\n        }\n      }\n    }\n  }\n": typeof types.ProjectAuditEventsDocument,
    "\n  mutation ProjectJobLogAccess($input: ProjectUpdateInput!) {\n    projectUpdate(input: $input) {\n      project {\n        id\n        jobLogAccessLevel\n        userPermissions {\n          readJobLog\n        }\n      }\n      errors\n    }\n  }\n": typeof types.ProjectJobLogAccessDocument,
    "\n  query JobTokenAllowlist($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      ciJobTokenScope {\n        inboundAllowlist(first: 100) {\n          totalCount\n          nodes {\n            id\n            name\n            fullPath\n          }\n        }\n      }\n    }\n  }\n": typeof types.JobTokenAllowlistDocument,
    "\n  mutation CiJobTokenScopeAddProject($input: CiJobTokenScopeAddProjectInput!) {\n    ciJobTokenScopeAddProject(input: $input) {\n      errors\n    }\n  }\n": typeof types.CiJobTokenScopeAddProjectDocument,
    "\n  mutation CiJobTokenScopeRemoveProject($input: CiJobTokenScopeRemoveProjectInput!) {\n    ciJobTokenScopeRemoveProject(input: $input) {\n      errors\n    }\n  }\n": typeof types.CiJobTokenScopeRemoveProjectDocument,
    "\n  query ProjectMembers($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      members(first: 100, orderBy: { field: ACCESS_LEVEL, direction: DESC }) {\n        totalCount\n        nodes {\n          id\n          accessLevel\n          user {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.ProjectMembersDocument,
    "\n  mutation ProjectMemberAdd($input: ProjectMemberAddInput!) {\n    projectMemberAdd(input: $input) {\n      member {\n        id\n        accessLevel\n      }\n      errors\n    }\n  }\n": typeof types.ProjectMemberAddDocument,
    "\n  mutation ProjectMemberUpdate($input: ProjectMemberUpdateInput!) {\n    projectMemberUpdate(input: $input) {\n      member {\n        id\n        accessLevel\n      }\n      errors\n    }\n  }\n": typeof types.ProjectMemberUpdateDocument,
    "\n  mutation ProjectMemberRemove($input: ProjectMemberRemoveInput!) {\n    projectMemberRemove(input: $input) {\n      member {\n        id\n      }\n      errors\n    }\n  }\n": typeof types.ProjectMemberRemoveDocument,
    "\n  query PipelineLog($fullPath: ID!, $iid: ID!, $offset: Int!) {\n    project(fullPath: $fullPath) {\n      id\n      pipeline(iid: $iid) {\n        id\n        log(offset: $offset, limit: 262144) {\n          content\n          nextOffset\n          truncated\n          complete\n        }\n      }\n    }\n  }\n": typeof types.PipelineLogDocument,
    "\n  subscription PipelineLogAppended($id: ID!, $offset: Int!) {\n    pipelineLogAppended(id: $id, offset: $offset) {\n      content\n      nextOffset\n      truncated\n      complete\n    }\n  }\n": typeof types.PipelineLogAppendedDocument,
    "\n  mutation CancelPipeline($id: ID!) {\n    pipelineCancel(input: { id: $id }) {\n      pipeline {\n        id\n        status\n      }\n      errors\n    }\n  }\n": typeof types.CancelPipelineDocument,
    "\n  mutation RetryPipeline($id: ID!) {\n    pipelineRetry(input: { id: $id }) {\n      pipeline {\n        id\n        status\n      }\n      errors\n    }\n  }\n": typeof types.RetryPipelineDocument,
    "\n  query PipelineDetail($fullPath: ID!, $iid: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      pipeline(iid: $iid) {\n        id\n        iid\n        status\n        ref\n        sha\n        tag\n        source\n        failureReason\n        triggerShortToken\n        createdAt\n        updatedAt\n        startedAt\n        finishedAt\n        duration\n        queuedDuration\n        user {\n          id\n          username\n          name\n        }\n        variables {\n          key\n          value\n          file\n        }\n        upstream {\n          id\n          iid\n          status\n          project {\n            id\n            fullPath\n          }\n        }\n        downstream(first: 50) {\n          nodes {\n            id\n            iid\n            status\n            project {\n              id\n              fullPath\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.PipelineDetailDocument,
    "\n  query ProjectPipelines(\n    $fullPath: ID!\n    $status: PipelineStatusEnum\n    $ref: String\n    $source: String\n    $first: Int\n    $after: Cursor\n  ) {\n    project(fullPath: $fullPath) {\n      id\n      pipelines(status: $status, ref: $ref, source: $source, first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          iid\n          status\n          ref\n          sha\n          tag\n          source\n          triggerShortToken\n          createdAt\n          user {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.ProjectPipelinesDocument,
    "\n  subscription PipelineUpdated($fullPath: ID!) {\n    pipelineUpdated(projectPath: $fullPath) {\n      id\n      iid\n      status\n    }\n  }\n": typeof types.PipelineUpdatedDocument,
    "\n  query ProjectHeader($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      name\n      fullPath\n      description\n      defaultBranch\n      jobLogAccessLevel\n      userPermissions {\n        createPipeline\n        updatePipeline\n        readPipelineVariables\n        readJobLog\n        adminProject\n      }\n    }\n  }\n": typeof types.ProjectHeaderDocument,
    "\n  query Projects($search: String, $first: Int, $after: Cursor) {\n    projects(search: $search, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          name\n          fullPath\n          description\n        }\n      }\n    }\n  }\n": typeof types.ProjectsDocument,
    "\n  mutation ProjectCreate($input: ProjectCreateInput!) {\n    projectCreate(input: $input) {\n      project {\n        id\n        fullPath\n      }\n      errors\n    }\n  }\n": typeof types.ProjectCreateDocument,
    "\n  query ProjectRefs($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      refs(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          type\n          sha\n        }\n      }\n    }\n  }\n": typeof types.ProjectRefsDocument,
    "\n  mutation RefCreate($input: RefCreateInput!) {\n    refCreate(input: $input) {\n      ref {\n        id\n        name\n        type\n        sha\n      }\n      errors\n    }\n  }\n": typeof types.RefCreateDocument,
    "\n  mutation RefDelete($input: RefDeleteInput!) {\n    refDelete(input: $input) {\n      ref {\n        id\n      }\n      errors\n    }\n  }\n": typeof types.RefDeleteDocument,
    "\n  query ProjectRunners($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      runners(first: 100) {\n        totalCount\n        nodes {\n          id\n          description\n          shortSha\n          runnerType\n          contactedAt\n          createdAt\n          creator {\n            id\n            username\n          }\n        }\n      }\n    }\n  }\n": typeof types.ProjectRunnersDocument,
    "\n  mutation RunnerCreate($input: RunnerCreateInput!) {\n    runnerCreate(input: $input) {\n      runner {\n        id\n        description\n      }\n      token\n      errors\n    }\n  }\n": typeof types.RunnerCreateDocument,
    "\n  mutation RunnerDelete($input: RunnerDeleteInput!) {\n    runnerDelete(input: $input) {\n      errors\n    }\n  }\n": typeof types.RunnerDeleteDocument,
    "\n  query PipelineTriggers($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      pipelineTriggers(first: 100) {\n        totalCount\n        nodes {\n          id\n          description\n          token\n          hasTokenExposed\n          canAccessProject\n          expired\n          expiresAt\n          lastUsed\n          createdAt\n          owner {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.PipelineTriggersDocument,
    "\n  mutation PipelineTriggerCreate($input: PipelineTriggerCreateInput!) {\n    pipelineTriggerCreate(input: $input) {\n      pipelineTrigger {\n        id\n        description\n        token\n      }\n      errors\n    }\n  }\n": typeof types.PipelineTriggerCreateDocument,
    "\n  mutation PipelineTriggerUpdate($input: PipelineTriggerUpdateInput!) {\n    pipelineTriggerUpdate(input: $input) {\n      pipelineTrigger {\n        id\n        description\n      }\n      errors\n    }\n  }\n": typeof types.PipelineTriggerUpdateDocument,
    "\n  mutation PipelineTriggerDelete($input: PipelineTriggerDeleteInput!) {\n    pipelineTriggerDelete(input: $input) {\n      errors\n    }\n  }\n": typeof types.PipelineTriggerDeleteDocument,
    "\n  mutation PipelineTriggerTakeOwnership($input: PipelineTriggerTakeOwnershipInput!) {\n    pipelineTriggerTakeOwnership(input: $input) {\n      pipelineTrigger {\n        id\n        token\n        hasTokenExposed\n        owner {\n          id\n          username\n          name\n        }\n      }\n      errors\n    }\n  }\n": typeof types.PipelineTriggerTakeOwnershipDocument,
};
const documents: Documents = {
    "\n  query CurrentUser {\n    currentUser {\n      id\n      username\n      name\n    }\n  }\n": types.CurrentUserDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere {\n      endedSessions\n      errors\n    }\n  }\n": types.SignOutEverywhereDocument,
    "\n  mutation CurrentUserPasswordUpdate($input: CurrentUserPasswordUpdateInput!) {\n    currentUserPasswordUpdate(input: $input) {\n      errors\n    }\n  }\n": types.CurrentUserPasswordUpdateDocument,
    "\n  query PersonalAccessTokens {\n    currentUser {\n      id\n      personalAccessTokens(first: 100) {\n        nodes {\n          id\n          name\n          createdAt\n          expiresAt\n          lastUsedAt\n        }\n      }\n    }\n  }\n": types.PersonalAccessTokensDocument,
    "\n  mutation PersonalAccessTokenCreate($input: PersonalAccessTokenCreateInput!) {\n    personalAccessTokenCreate(input: $input) {\n      token\n      personalAccessToken {\n        id\n        name\n      }\n      errors\n    }\n  }\n": types.PersonalAccessTokenCreateDocument,
    "\n  mutation PersonalAccessTokenRevoke($input: PersonalAccessTokenRevokeInput!) {\n    personalAccessTokenRevoke(input: $input) {\n      personalAccessToken {\n        id\n      }\n      errors\n    }\n  }\n": types.PersonalAccessTokenRevokeDocument,
    "\n  query ProjectAuditEvents($fullPath: ID!, $first: Int, $after: Cursor) {\n    project(fullPath: $fullPath) {\n      id\n      auditEvents(first: $first, after: $after) {\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          createdAt\n          action\n          outcome\n          reason\n          actorTokenKind\n          actorShortToken\n          ipAddress\n          userAgent\n          targetType\n          targetId\n          actorUser {\n            id\n            username\n          }\n        }\n      }\n    }\n  }\n": types.ProjectAuditEventsDocument,
    "\n  mutation ProjectJobLogAccess($input: ProjectUpdateInput!) {\n    projectUpdate(input: $input) {\n      project {\n        id\n        jobLogAccessLevel\n        userPermissions {\n          readJobLog\n        }\n      }\n      errors\n    }\n  }\n": types.ProjectJobLogAccessDocument,
    "\n  query JobTokenAllowlist($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      ciJobTokenScope {\n        inboundAllowlist(first: 100) {\n          totalCount\n          nodes {\n            id\n            name\n            fullPath\n          }\n        }\n      }\n    }\n  }\n": types.JobTokenAllowlistDocument,
    "\n  mutation CiJobTokenScopeAddProject($input: CiJobTokenScopeAddProjectInput!) {\n    ciJobTokenScopeAddProject(input: $input) {\n      errors\n    }\n  }\n": types.CiJobTokenScopeAddProjectDocument,
    "\n  mutation CiJobTokenScopeRemoveProject($input: CiJobTokenScopeRemoveProjectInput!) {\n    ciJobTokenScopeRemoveProject(input: $input) {\n      errors\n    }\n  }\n": types.CiJobTokenScopeRemoveProjectDocument,
    "\n  query ProjectMembers($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      members(first: 100, orderBy: { field: ACCESS_LEVEL, direction: DESC }) {\n        totalCount\n        nodes {\n          id\n          accessLevel\n          user {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n": types.ProjectMembersDocument,
    "\n  mutation ProjectMemberAdd($input: ProjectMemberAddInput!) {\n    projectMemberAdd(input: $input) {\n      member {\n        id\n        accessLevel\n      }\n      errors\n    }\n  }\n": types.ProjectMemberAddDocument,
    "\n  mutation ProjectMemberUpdate($input: ProjectMemberUpdateInput!) {\n    projectMemberUpdate(input: $input) {\n      member {\n        id\n        accessLevel\n      }\n      errors\n    }\n  }\n": types.ProjectMemberUpdateDocument,
    "\n  mutation ProjectMemberRemove($input: ProjectMemberRemoveInput!) {\n    projectMemberRemove(input: $input) {\n      member {\n        id\n      }\n      errors\n    }\n  }\n": types.ProjectMemberRemoveDocument,
    "\n  query PipelineLog($fullPath: ID!, $iid: ID!, $offset: Int!) {\n    project(fullPath: $fullPath) {\n      id\n      pipeline(iid: $iid) {\n        id\n        log(offset: $offset, limit: 262144) {\n          content\n          nextOffset\n          truncated\n          complete\n        }\n      }\n    }\n  }\n": types.PipelineLogDocument,
    "\n  subscription PipelineLogAppended($id: ID!, $offset: Int!) {\n    pipelineLogAppended(id: $id, offset: $offset) {\n      content\n      nextOffset\n      truncated\n      complete\n    }\n  }\n": types.PipelineLogAppendedDocument,
    "\n  mutation CancelPipeline($id: ID!) {\n    pipelineCancel(input: { id: $id }) {\n      pipeline {\n        id\n        status\n      }\n      errors\n    }\n  }\n": types.CancelPipelineDocument,
    "\n  mutation RetryPipeline($id: ID!) {\n    pipelineRetry(input: { id: $id }) {\n      pipeline {\n        id\n        status\n      }\n      errors\n    }\n  }\n": types.RetryPipelineDocument,
    "\n  query PipelineDetail($fullPath: ID!, $iid: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      pipeline(iid: $iid) {\n        id\n        iid\n        status\n        ref\n        sha\n        tag\n        source\n        failureReason\n        triggerShortToken\n        createdAt\n        updatedAt\n        startedAt\n        finishedAt\n        duration\n        queuedDuration\n        user {\n          id\n          username\n          name\n        }\n        variables {\n          key\n          value\n          file\n        }\n        upstream {\n          id\n          iid\n          status\n          project {\n            id\n            fullPath\n          }\n        }\n        downstream(first: 50) {\n          nodes {\n            id\n            iid\n            status\n            project {\n              id\n              fullPath\n            }\n          }\n        }\n      }\n    }\n  }\n": types.PipelineDetailDocument,
    "\n  query ProjectPipelines(\n    $fullPath: ID!\n    $status: PipelineStatusEnum\n    $ref: String\n    $source: String\n    $first: Int\n    $after: Cursor\n  ) {\n    project(fullPath: $fullPath) {\n      id\n      pipelines(status: $status, ref: $ref, source: $source, first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          iid\n          status\n          ref\n          sha\n          tag\n          source\n          triggerShortToken\n          createdAt\n          user {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n": types.ProjectPipelinesDocument,
    "\n  subscription PipelineUpdated($fullPath: ID!) {\n    pipelineUpdated(projectPath: $fullPath) {\n      id\n      iid\n      status\n    }\n  }\n": types.PipelineUpdatedDocument,
    "\n  query ProjectHeader($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      name\n      fullPath\n      description\n      defaultBranch\n      jobLogAccessLevel\n      userPermissions {\n        createPipeline\n        updatePipeline\n        readPipelineVariables\n        readJobLog\n        adminProject\n      }\n    }\n  }\n": types.ProjectHeaderDocument,
    "\n  query Projects($search: String, $first: Int, $after: Cursor) {\n    projects(search: $search, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          name\n          fullPath\n          description\n        }\n      }\n    }\n  }\n": types.ProjectsDocument,
    "\n  mutation ProjectCreate($input: ProjectCreateInput!) {\n    projectCreate(input: $input) {\n      project {\n        id\n        fullPath\n      }\n      errors\n    }\n  }\n": types.ProjectCreateDocument,
    "\n  query ProjectRefs($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      refs(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          type\n          sha\n        }\n      }\n    }\n  }\n": types.ProjectRefsDocument,
    "\n  mutation RefCreate($input: RefCreateInput!) {\n    refCreate(input: $input) {\n      ref {\n        id\n        name\n        type\n        sha\n      }\n      errors\n    }\n  }\n": types.RefCreateDocument,
    "\n  mutation RefDelete($input: RefDeleteInput!) {\n    refDelete(input: $input) {\n      ref {\n        id\n      }\n      errors\n    }\n  }\n": types.RefDeleteDocument,
    "\n  query ProjectRunners($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      runners(first: 100) {\n        totalCount\n        nodes {\n          id\n          description\n          shortSha\n          runnerType\n          contactedAt\n          createdAt\n          creator {\n            id\n            username\n          }\n        }\n      }\n    }\n  }\n": types.ProjectRunnersDocument,
    "\n  mutation RunnerCreate($input: RunnerCreateInput!) {\n    runnerCreate(input: $input) {\n      runner {\n        id\n        description\n      }\n      token\n      errors\n    }\n  }\n": types.RunnerCreateDocument,
    "\n  mutation RunnerDelete($input: RunnerDeleteInput!) {\n    runnerDelete(input: $input) {\n      errors\n    }\n  }\n": types.RunnerDeleteDocument,
    "\n  query PipelineTriggers($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      pipelineTriggers(first: 100) {\n        totalCount\n        nodes {\n          id\n          description\n          token\n          hasTokenExposed\n          canAccessProject\n          expired\n          expiresAt\n          lastUsed\n          createdAt\n          owner {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n": types.PipelineTriggersDocument,
    "\n  mutation PipelineTriggerCreate($input: PipelineTriggerCreateInput!) {\n    pipelineTriggerCreate(input: $input) {\n      pipelineTrigger {\n        id\n        description\n        token\n      }\n      errors\n    }\n  }\n": types.PipelineTriggerCreateDocument,
    "\n  mutation PipelineTriggerUpdate($input: PipelineTriggerUpdateInput!) {\n    pipelineTriggerUpdate(input: $input) {\n      pipelineTrigger {\n        id\n        description\n      }\n      errors\n    }\n  }\n": types.PipelineTriggerUpdateDocument,
    "\n  mutation PipelineTriggerDelete($input: PipelineTriggerDeleteInput!) {\n    pipelineTriggerDelete(input: $input) {\n      errors\n    }\n  }\n": types.PipelineTriggerDeleteDocument,
    "\n  mutation PipelineTriggerTakeOwnership($input: PipelineTriggerTakeOwnershipInput!) {\n    pipelineTriggerTakeOwnership(input: $input) {\n      pipelineTrigger {\n        id\n        token\n        hasTokenExposed\n        owner {\n          id\n          username\n          name\n        }\n      }\n      errors\n    }\n  }\n": types.PipelineTriggerTakeOwnershipDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CurrentUser {\n    currentUser {\n      id\n      username\n      name\n    }\n  }\n"): (typeof documents)["\n  query CurrentUser {\n    currentUser {\n      id\n      username\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOutEverywhere {\n    signOutEverywhere {\n      endedSessions\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation SignOutEverywhere {\n    signOutEverywhere {\n      endedSessions\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CurrentUserPasswordUpdate($input: CurrentUserPasswordUpdateInput!) {\n    currentUserPasswordUpdate(input: $input) {\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation CurrentUserPasswordUpdate($input: CurrentUserPasswordUpdateInput!) {\n    currentUserPasswordUpdate(input: $input) {\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PersonalAccessTokens {\n    currentUser {\n      id\n      personalAccessTokens(first: 100) {\n        nodes {\n          id\n          name\n          createdAt\n          expiresAt\n          lastUsedAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PersonalAccessTokens {\n    currentUser {\n      id\n      personalAccessTokens(first: 100) {\n        nodes {\n          id\n          name\n          createdAt\n          expiresAt\n          lastUsedAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PersonalAccessTokenCreate($input: PersonalAccessTokenCreateInput!) {\n    personalAccessTokenCreate(input: $input) {\n      token\n      personalAccessToken {\n        id\n        name\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation PersonalAccessTokenCreate($input: PersonalAccessTokenCreateInput!) {\n    personalAccessTokenCreate(input: $input) {\n      token\n      personalAccessToken {\n        id\n        name\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PersonalAccessTokenRevoke($input: PersonalAccessTokenRevokeInput!) {\n    personalAccessTokenRevoke(input: $input) {\n      personalAccessToken {\n        id\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation PersonalAccessTokenRevoke($input: PersonalAccessTokenRevokeInput!) {\n    personalAccessTokenRevoke(input: $input) {\n      personalAccessToken {\n        id\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProjectAuditEvents($fullPath: ID!, $first: Int, $after: Cursor) {\n    project(fullPath: $fullPath) {\n      id\n      auditEvents(first: $first, after: $after) {\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          createdAt\n          action\n          outcome\n          reason\n          actorTokenKind\n          actorShortToken\n          ipAddress\n          userAgent\n          targetType\n          targetId\n          actorUser {\n            id\n            username\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProjectAuditEvents($fullPath: ID!, $first: Int, $after: Cursor) {\n    project(fullPath: $fullPath) {\n      id\n      auditEvents(first: $first, after: $after) {\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          createdAt\n          action\n          outcome\n          reason\n          actorTokenKind\n          actorShortToken\n          ipAddress\n          userAgent\n          targetType\n          targetId\n          actorUser {\n            id\n            username\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ProjectJobLogAccess($input: ProjectUpdateInput!) {\n    projectUpdate(input: $input) {\n      project {\n        id\n        jobLogAccessLevel\n        userPermissions {\n          readJobLog\n        }\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation ProjectJobLogAccess($input: ProjectUpdateInput!) {\n    projectUpdate(input: $input) {\n      project {\n        id\n        jobLogAccessLevel\n        userPermissions {\n          readJobLog\n        }\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query JobTokenAllowlist($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      ciJobTokenScope {\n        inboundAllowlist(first: 100) {\n          totalCount\n          nodes {\n            id\n            name\n            fullPath\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query JobTokenAllowlist($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      ciJobTokenScope {\n        inboundAllowlist(first: 100) {\n          totalCount\n          nodes {\n            id\n            name\n            fullPath\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CiJobTokenScopeAddProject($input: CiJobTokenScopeAddProjectInput!) {\n    ciJobTokenScopeAddProject(input: $input) {\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation CiJobTokenScopeAddProject($input: CiJobTokenScopeAddProjectInput!) {\n    ciJobTokenScopeAddProject(input: $input) {\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CiJobTokenScopeRemoveProject($input: CiJobTokenScopeRemoveProjectInput!) {\n    ciJobTokenScopeRemoveProject(input: $input) {\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation CiJobTokenScopeRemoveProject($input: CiJobTokenScopeRemoveProjectInput!) {\n    ciJobTokenScopeRemoveProject(input: $input) {\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProjectMembers($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      members(first: 100, orderBy: { field: ACCESS_LEVEL, direction: DESC }) {\n        totalCount\n        nodes {\n          id\n          accessLevel\n          user {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProjectMembers($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      members(first: 100, orderBy: { field: ACCESS_LEVEL, direction: DESC }) {\n        totalCount\n        nodes {\n          id\n          accessLevel\n          user {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ProjectMemberAdd($input: ProjectMemberAddInput!) {\n    projectMemberAdd(input: $input) {\n      member {\n        id\n        accessLevel\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation ProjectMemberAdd($input: ProjectMemberAddInput!) {\n    projectMemberAdd(input: $input) {\n      member {\n        id\n        accessLevel\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ProjectMemberUpdate($input: ProjectMemberUpdateInput!) {\n    projectMemberUpdate(input: $input) {\n      member {\n        id\n        accessLevel\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation ProjectMemberUpdate($input: ProjectMemberUpdateInput!) {\n    projectMemberUpdate(input: $input) {\n      member {\n        id\n        accessLevel\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ProjectMemberRemove($input: ProjectMemberRemoveInput!) {\n    projectMemberRemove(input: $input) {\n      member {\n        id\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation ProjectMemberRemove($input: ProjectMemberRemoveInput!) {\n    projectMemberRemove(input: $input) {\n      member {\n        id\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PipelineLog($fullPath: ID!, $iid: ID!, $offset: Int!) {\n    project(fullPath: $fullPath) {\n      id\n      pipeline(iid: $iid) {\n        id\n        log(offset: $offset, limit: 262144) {\n          content\n          nextOffset\n          truncated\n          complete\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PipelineLog($fullPath: ID!, $iid: ID!, $offset: Int!) {\n    project(fullPath: $fullPath) {\n      id\n      pipeline(iid: $iid) {\n        id\n        log(offset: $offset, limit: 262144) {\n          content\n          nextOffset\n          truncated\n          complete\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PipelineLogAppended($id: ID!, $offset: Int!) {\n    pipelineLogAppended(id: $id, offset: $offset) {\n      content\n      nextOffset\n      truncated\n      complete\n    }\n  }\n"): (typeof documents)["\n  subscription PipelineLogAppended($id: ID!, $offset: Int!) {\n    pipelineLogAppended(id: $id, offset: $offset) {\n      content\n      nextOffset\n      truncated\n      complete\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelPipeline($id: ID!) {\n    pipelineCancel(input: { id: $id }) {\n      pipeline {\n        id\n        status\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation CancelPipeline($id: ID!) {\n    pipelineCancel(input: { id: $id }) {\n      pipeline {\n        id\n        status\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryPipeline($id: ID!) {\n    pipelineRetry(input: { id: $id }) {\n      pipeline {\n        id\n        status\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation RetryPipeline($id: ID!) {\n    pipelineRetry(input: { id: $id }) {\n      pipeline {\n        id\n        status\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PipelineDetail($fullPath: ID!, $iid: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      pipeline(iid: $iid) {\n        id\n        iid\n        status\n        ref\n        sha\n        tag\n        source\n        failureReason\n        triggerShortToken\n        createdAt\n        updatedAt\n        startedAt\n        finishedAt\n        duration\n        queuedDuration\n        user {\n          id\n          username\n          name\n        }\n        variables {\n          key\n          value\n          file\n        }\n        upstream {\n          id\n          iid\n          status\n          project {\n            id\n            fullPath\n          }\n        }\n        downstream(first: 50) {\n          nodes {\n            id\n            iid\n            status\n            project {\n              id\n              fullPath\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PipelineDetail($fullPath: ID!, $iid: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      pipeline(iid: $iid) {\n        id\n        iid\n        status\n        ref\n        sha\n        tag\n        source\n        failureReason\n        triggerShortToken\n        createdAt\n        updatedAt\n        startedAt\n        finishedAt\n        duration\n        queuedDuration\n        user {\n          id\n          username\n          name\n        }\n        variables {\n          key\n          value\n          file\n        }\n        upstream {\n          id\n          iid\n          status\n          project {\n            id\n            fullPath\n          }\n        }\n        downstream(first: 50) {\n          nodes {\n            id\n            iid\n            status\n            project {\n              id\n              fullPath\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProjectPipelines(\n    $fullPath: ID!\n    $status: PipelineStatusEnum\n    $ref: String\n    $source: String\n    $first: Int\n    $after: Cursor\n  ) {\n    project(fullPath: $fullPath) {\n      id\n      pipelines(status: $status, ref: $ref, source: $source, first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          iid\n          status\n          ref\n          sha\n          tag\n          source\n          triggerShortToken\n          createdAt\n          user {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProjectPipelines(\n    $fullPath: ID!\n    $status: PipelineStatusEnum\n    $ref: String\n    $source: String\n    $first: Int\n    $after: Cursor\n  ) {\n    project(fullPath: $fullPath) {\n      id\n      pipelines(status: $status, ref: $ref, source: $source, first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          iid\n          status\n          ref\n          sha\n          tag\n          source\n          triggerShortToken\n          createdAt\n          user {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PipelineUpdated($fullPath: ID!) {\n    pipelineUpdated(projectPath: $fullPath) {\n      id\n      iid\n      status\n    }\n  }\n"): (typeof documents)["\n  subscription PipelineUpdated($fullPath: ID!) {\n    pipelineUpdated(projectPath: $fullPath) {\n      id\n      iid\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProjectHeader($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      name\n      fullPath\n      description\n      defaultBranch\n      jobLogAccessLevel\n      userPermissions {\n        createPipeline\n        updatePipeline\n        readPipelineVariables\n        readJobLog\n        adminProject\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProjectHeader($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      name\n      fullPath\n      description\n      defaultBranch\n      jobLogAccessLevel\n      userPermissions {\n        createPipeline\n        updatePipeline\n        readPipelineVariables\n        readJobLog\n        adminProject\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Projects($search: String, $first: Int, $after: Cursor) {\n    projects(search: $search, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          name\n          fullPath\n          description\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Projects($search: String, $first: Int, $after: Cursor) {\n    projects(search: $search, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          name\n          fullPath\n          description\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ProjectCreate($input: ProjectCreateInput!) {\n    projectCreate(input: $input) {\n      project {\n        id\n        fullPath\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation ProjectCreate($input: ProjectCreateInput!) {\n    projectCreate(input: $input) {\n      project {\n        id\n        fullPath\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProjectRefs($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      refs(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          type\n          sha\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProjectRefs($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      refs(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          type\n          sha\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefCreate($input: RefCreateInput!) {\n    refCreate(input: $input) {\n      ref {\n        id\n        name\n        type\n        sha\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation RefCreate($input: RefCreateInput!) {\n    refCreate(input: $input) {\n      ref {\n        id\n        name\n        type\n        sha\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefDelete($input: RefDeleteInput!) {\n    refDelete(input: $input) {\n      ref {\n        id\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation RefDelete($input: RefDeleteInput!) {\n    refDelete(input: $input) {\n      ref {\n        id\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProjectRunners($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      runners(first: 100) {\n        totalCount\n        nodes {\n          id\n          description\n          shortSha\n          runnerType\n          contactedAt\n          createdAt\n          creator {\n            id\n            username\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProjectRunners($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      runners(first: 100) {\n        totalCount\n        nodes {\n          id\n          description\n          shortSha\n          runnerType\n          contactedAt\n          createdAt\n          creator {\n            id\n            username\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RunnerCreate($input: RunnerCreateInput!) {\n    runnerCreate(input: $input) {\n      runner {\n        id\n        description\n      }\n      token\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation RunnerCreate($input: RunnerCreateInput!) {\n    runnerCreate(input: $input) {\n      runner {\n        id\n        description\n      }\n      token\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RunnerDelete($input: RunnerDeleteInput!) {\n    runnerDelete(input: $input) {\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation RunnerDelete($input: RunnerDeleteInput!) {\n    runnerDelete(input: $input) {\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PipelineTriggers($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      pipelineTriggers(first: 100) {\n        totalCount\n        nodes {\n          id\n          description\n          token\n          hasTokenExposed\n          canAccessProject\n          expired\n          expiresAt\n          lastUsed\n          createdAt\n          owner {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PipelineTriggers($fullPath: ID!) {\n    project(fullPath: $fullPath) {\n      id\n      pipelineTriggers(first: 100) {\n        totalCount\n        nodes {\n          id\n          description\n          token\n          hasTokenExposed\n          canAccessProject\n          expired\n          expiresAt\n          lastUsed\n          createdAt\n          owner {\n            id\n            username\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PipelineTriggerCreate($input: PipelineTriggerCreateInput!) {\n    pipelineTriggerCreate(input: $input) {\n      pipelineTrigger {\n        id\n        description\n        token\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation PipelineTriggerCreate($input: PipelineTriggerCreateInput!) {\n    pipelineTriggerCreate(input: $input) {\n      pipelineTrigger {\n        id\n        description\n        token\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PipelineTriggerUpdate($input: PipelineTriggerUpdateInput!) {\n    pipelineTriggerUpdate(input: $input) {\n      pipelineTrigger {\n        id\n        description\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation PipelineTriggerUpdate($input: PipelineTriggerUpdateInput!) {\n    pipelineTriggerUpdate(input: $input) {\n      pipelineTrigger {\n        id\n        description\n      }\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PipelineTriggerDelete($input: PipelineTriggerDeleteInput!) {\n    pipelineTriggerDelete(input: $input) {\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation PipelineTriggerDelete($input: PipelineTriggerDeleteInput!) {\n    pipelineTriggerDelete(input: $input) {\n      errors\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PipelineTriggerTakeOwnership($input: PipelineTriggerTakeOwnershipInput!) {\n    pipelineTriggerTakeOwnership(input: $input) {\n      pipelineTrigger {\n        id\n        token\n        hasTokenExposed\n        owner {\n          id\n          username\n          name\n        }\n      }\n      errors\n    }\n  }\n"): (typeof documents)["\n  mutation PipelineTriggerTakeOwnership($input: PipelineTriggerTakeOwnershipInput!) {\n    pipelineTriggerTakeOwnership(input: $input) {\n      pipelineTrigger {\n        id\n        token\n        hasTokenExposed\n        owner {\n          id\n          username\n          name\n        }\n      }\n      errors\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;