import type { ReactNode } from 'react';
import { ProjectContext, type ProjectInfo } from '../projects/ProjectContext';

export const testProject: ProjectInfo = {
  id: '4294967297',
  name: 'Demo',
  fullPath: 'acme/demo',
  description: '',
  defaultBranch: 'main',
  viewerAccessLevel: 'MAINTAINER',
};

export function WithProject({ project = testProject, children }: { project?: Partial<ProjectInfo>; children: ReactNode }) {
  return <ProjectContext.Provider value={{ ...testProject, ...project }}>{children}</ProjectContext.Provider>;
}
