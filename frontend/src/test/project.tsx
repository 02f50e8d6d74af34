import type { ReactNode } from 'react';
import { ProjectContext, type ProjectInfo, type ProjectPermissions } from '../projects/ProjectContext';

/** What a Maintainer may do (Project.userPermissions). */
export const maintainerPermissions: ProjectPermissions = {
  createPipeline: true,
  updatePipeline: true,
  readPipelineVariables: true,
  readJobLog: true,
  adminProject: true,
};

/** What a Developer may do. */
export const developerPermissions: ProjectPermissions = {
  ...maintainerPermissions,
  readPipelineVariables: false,
  readJobLog: false,
  adminProject: false,
};

export const testProject: ProjectInfo = {
  id: '4294967297',
  name: 'Demo',
  fullPath: 'acme/demo',
  description: '',
  defaultBranch: 'main',
  jobLogAccessLevel: 'MAINTAINER',
  userPermissions: maintainerPermissions,
};

export function WithProject({ project = testProject, children }: { project?: Partial<ProjectInfo>; children: ReactNode }) {
  return <ProjectContext.Provider value={{ ...testProject, ...project }}>{children}</ProjectContext.Provider>;
}
