import { useProject } from '../projects/ProjectContext';
import { PipelineTriggersSection } from '../triggers/PipelineTriggersSection';
import { RunnersSection } from '../runners/RunnersSection';
import { RefsSection } from '../refs/RefsSection';
import { JobTokenAllowlistSection } from '../jobtokens/JobTokenAllowlistSection';
import { JobLogAccessSection } from './JobLogAccessSection';
import { numericId } from '../graphql/ids';

export function CiCdSettingsPage() {
  const project = useProject();
  return (
    <section className="page" aria-labelledby="cicd-title">
      <title>{`CI/CD Settings · ${project.fullPath} · Kickoff`}</title>
      <div className="page-header">
        <h1 id="cicd-title">CI/CD Settings</h1>
      </div>
      {project.userPermissions.adminProject ? (
        <>
          <PipelineTriggersSection
            projectId={numericId(project.id)}
            fullPath={project.fullPath}
            defaultBranch={project.defaultBranch}
          />
          <RunnersSection fullPath={project.fullPath} />
          <JobTokenAllowlistSection fullPath={project.fullPath} />
          <JobLogAccessSection fullPath={project.fullPath} level={project.jobLogAccessLevel} />
          <RefsSection fullPath={project.fullPath} defaultBranch={project.defaultBranch} />
        </>
      ) : (
        <div className="state" role="note">
          <p className="state-title">You need the Maintainer role</p>
          <p className="muted">
            Pipeline trigger tokens and the other CI/CD settings of this project are managed by its Maintainers. Ask
            one of them for access.
          </p>
        </div>
      )}
    </section>
  );
}
