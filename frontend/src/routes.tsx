import { lazy, Suspense } from 'react';
import type { RouteObject } from 'react-router';
import { Layout } from './Layout';
import { PasswordPage } from './account/PasswordPage';
import { PersonalAccessTokensPage } from './account/PersonalAccessTokensPage';
import { SignInPage } from './account/SignInPage';
import { ProjectRoutes } from './projects/ProjectLayout';
import { ProjectsPage } from './projects/ProjectsPage';
import { NotFoundPage } from './ui/NotFoundPage';
import { Loading } from './ui/States';

// GraphiQL + Monaco are ~1.5 MB gz: only this route downloads them.
const GraphQLExplorerPage = lazy(() => import('./explorer/GraphQLExplorerPage'));

// Paths follow GitLab's (SPEC §8) so habits carry over. Reserved `/-/…`
// paths come first; every other path is a project URL (`/<fullPath>[/-/…]`).
export const routes: RouteObject[] = [
  {
    element: <Layout />,
    children: [
      { index: true, element: <ProjectsPage /> },
      { path: 'users/sign_in', element: <SignInPage /> },
      { path: '-/user_settings/personal_access_tokens', element: <PersonalAccessTokensPage /> },
      { path: '-/user_settings/password/edit', element: <PasswordPage /> },
      {
        path: '-/graphql-explorer',
        element: (
          <Suspense fallback={<Loading>Loading the GraphQL explorer…</Loading>}>
            <GraphQLExplorerPage />
          </Suspense>
        ),
      },
      { path: '-/*', element: <NotFoundPage /> },
      { path: '*', element: <ProjectRoutes /> },
    ],
  },
];
