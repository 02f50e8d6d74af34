import { createContext, useContext } from 'react';
import type { AccessLevel } from '../graphql/generated/graphql';

/**
 * What the viewer may do in the project, as the server says
 * (Project.userPermissions): pages ask this instead of comparing roles.
 */
export type ProjectPermissions = {
  createPipeline: boolean;
  updatePipeline: boolean;
  readPipelineVariables: boolean;
  readJobLog: boolean;
  adminProject: boolean;
};

export type ProjectInfo = {
  id: string;
  name: string;
  fullPath: string;
  description: string;
  defaultBranch: string;
  /** The lowest role that may read job logs. */
  jobLogAccessLevel: AccessLevel;
  userPermissions: ProjectPermissions;
};

export const ProjectContext = createContext<ProjectInfo | null>(null);

/** The project whose pages are being shown (set by ProjectLayout). */
export function useProject(): ProjectInfo {
  const project = useContext(ProjectContext);
  if (!project) throw new Error('useProject outside ProjectLayout');
  return project;
}
