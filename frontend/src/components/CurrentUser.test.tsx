import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { mockClient, WithClient } from '../test/urql';
import { CurrentUser } from './CurrentUser';

function renderWith(currentUser: unknown) {
  const { client } = mockClient(() => ({ data: { currentUser } }));
  render(
    <WithClient client={client}>
      <MemoryRouter>
        <CurrentUser />
      </MemoryRouter>
    </WithClient>,
  );
}

describe('CurrentUser', () => {
  it('shows the signed-in username', () => {
    renderWith({ __typename: 'User', id: 'u1', username: 'alice', name: 'Alice Liddell' });
    expect(screen.getByText('alice')).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Sign in' })).toBeNull();
  });

  it('links to the sign-in page when nobody is signed in', () => {
    renderWith(null);
    expect(screen.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/users/sign_in');
  });
});
