import type { ReactNode } from 'react';
import { NavLink, useParams } from 'react-router';
import { useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { ErrorState, Loading } from '../ui/States';
import { NotFoundPage } from '../ui/NotFoundPage';
import { PipelinesPage } from '../pipelines/PipelinesPage';
import { PipelinePage } from '../pipelines/PipelinePage';
import { CiCdSettingsPage } from '../cicd/CiCdSettingsPage';
import { WebhooksPage } from '../webhooks/WebhooksPage';
import { AuditEventsPage } from '../audit/AuditEventsPage';
import { ProjectMembersPage } from '../members/ProjectMembersPage';
import { ProjectContext } from './ProjectContext';
import { parseProjectUrl, projectUrl, type ProjectView } from './paths';
import { numericId } from '../graphql/ids';

const ProjectHeaderQuery = graphql(`
  query ProjectHeader($fullPath: ID!) {
    project(fullPath: $fullPath) {
      id
      name
      fullPath
      description
      defaultBranch
      jobLogAccessLevel
      userPermissions {
        createPipeline
        updatePipeline
        readPipelineVariables
        readJobLog
        adminProject
      }
    }
  }
`);

/** Every `/<fullPath>[/-/…]` URL: the project's header and tabs around the page. */
export function ProjectRoutes() {
  const splat = useParams()['*'] ?? '';
  const parsed = parseProjectUrl(splat);
  if (!parsed) return <NotFoundPage />;
  return <ProjectLayout fullPath={parsed.fullPath} view={parsed.view} />;
}

function ProjectLayout({ fullPath, view }: { fullPath: string; view: ProjectView }) {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: ProjectHeaderQuery, variables: { fullPath } });
  if (error && !data) {
    return (
      <ErrorState
        title="Could not load the project"
        error={error}
        onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      />
    );
  }
  if (!data) return fetching ? <Loading>Loading project…</Loading> : null;
  const project = data.project;
  if (!project) {
    return (
      <section className="page narrow" aria-labelledby="project-missing">
        <title>Project not found · Kickoff</title>
        <h1 id="project-missing">Project not found</h1>
        <p className="muted">
          “{fullPath}” does not exist, or you are not signed in with access to it.
        </p>
      </section>
    );
  }
  return (
    <ProjectContext.Provider value={project}>
      <div className="project-header">
        <span className="avatar avatar-lg" aria-hidden="true">
          {project.name.slice(0, 1).toUpperCase()}
        </span>
        <div className="project-text">
          <p className="project-title">{project.name}</p>
          <span className="project-path">
            {project.fullPath} · Project ID: {numericId(project.id)}
          </span>
        </div>
      </div>
      <nav className="tabs" aria-label="Project">
        <Tab to={projectUrl.pipelines(project.fullPath)} active={view.kind === 'pipelines' || view.kind === 'pipeline'}>
          Pipelines
        </Tab>
        <Tab to={projectUrl.members(project.fullPath)} active={view.kind === 'members'}>
          Members
        </Tab>
        {project.userPermissions.adminProject ? (
          <Tab to={projectUrl.auditEvents(project.fullPath)} active={view.kind === 'audit-events'}>
            Audit events
          </Tab>
        ) : null}
        <Tab to={projectUrl.settingsCi(project.fullPath)} active={view.kind === 'settings-ci'}>
          Settings › CI/CD
        </Tab>
        <Tab to={projectUrl.settingsWebhooks(project.fullPath)} active={view.kind === 'settings-webhooks'}>
          Settings › Webhooks
        </Tab>
      </nav>
      <ProjectView view={view} />
    </ProjectContext.Provider>
  );
}

function Tab({ to, active, children }: { to: string; active: boolean; children: ReactNode }) {
  return (
    <NavLink to={to} end className={active ? 'tab active' : 'tab'} aria-current={active ? 'page' : undefined}>
      {children}
    </NavLink>
  );
}

function ProjectView({ view }: { view: ProjectView }) {
  switch (view.kind) {
    case 'pipelines':
      return <PipelinesPage />;
    case 'pipeline':
      return <PipelinePage iid={view.iid} />;
    case 'settings-ci':
      return <CiCdSettingsPage />;
    case 'settings-webhooks':
      return <WebhooksPage />;
    case 'audit-events':
      return <AuditEventsPage />;
    case 'members':
      return <ProjectMembersPage />;
  }
}
