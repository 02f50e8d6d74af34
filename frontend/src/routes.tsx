import type { RouteObject } from 'react-router';
import { Layout } from './components/Layout';
import { NotFoundPage } from './pages/NotFoundPage';
import { ProjectsPage } from './pages/ProjectsPage';
import { SignInPage } from './pages/SignInPage';

// Paths follow GitLab's (SPEC §8) so habits carry over.
export const routes: RouteObject[] = [
  {
    element: <Layout />,
    children: [
      { index: true, element: <ProjectsPage /> },
      { path: 'users/sign_in', element: <SignInPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
