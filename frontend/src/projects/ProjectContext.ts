import { createContext, useContext } from 'react';

/**
 * What the viewer may do in the project, as the server says
 * (Project.userPermissions): pages ask this instead of comparing roles.
 */
export type ProjectPermissions = {
  createPipeline: boolean;
  updatePipeline: boolean;
  readPipelineVariables: boolean;
  adminProject: boolean;
};

export type ProjectInfo = {
  id: string;
  name: string;
  fullPath: string;
  description: string;
  defaultBranch: string;
  userPermissions: ProjectPermissions;
};

export const ProjectContext = createContext<ProjectInfo | null>(null);

/** The project whose pages are being shown (set by ProjectLayout). */
export function useProject(): ProjectInfo {
  const project = useContext(ProjectContext);
  if (!project) throw new Error('useProject outside ProjectLayout');
  return project;
}
