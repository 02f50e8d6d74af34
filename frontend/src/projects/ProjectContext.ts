import { createContext, useContext } from 'react';
import type { AccessLevel } from '../graphql/generated/graphql';

export type ProjectInfo = {
  id: string;
  name: string;
  fullPath: string;
  description: string;
  defaultBranch: string;
  viewerAccessLevel: AccessLevel;
};

export const ProjectContext = createContext<ProjectInfo | null>(null);

/** The project whose pages are being shown (set by ProjectLayout). */
export function useProject(): ProjectInfo {
  const project = useContext(ProjectContext);
  if (!project) throw new Error('useProject outside ProjectLayout');
  return project;
}
