import { render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { describe, expect, it } from 'vitest';
import { routes } from './routes';
import { mockClient, WithClient } from './test/urql';

function renderAt(path: string) {
  const { client } = mockClient(() => ({ data: { currentUser: null } }));
  render(
    <WithClient client={client}>
      <RouterProvider router={createMemoryRouter(routes, { initialEntries: [path] })} />
    </WithClient>,
  );
}

describe('routes', () => {
  it('shows Not Found for unknown paths, inside the layout', () => {
    renderAt('/-/no/such/page');
    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Kickoff' }).getAttribute('href')).toBe('/');
    expect(screen.getByRole('main')).toBeTruthy();
    expect(screen.getByRole('banner')).toBeTruthy();
  });

  it('serves the sign-in form at /users/sign_in', () => {
    renderAt('/users/sign_in');
    expect(screen.getByRole('heading', { name: 'Sign in to Kickoff' })).toBeTruthy();
    expect(screen.getByLabelText('Username')).toBeTruthy();
    expect(screen.getByLabelText('Password')).toBeTruthy();
  });
});
