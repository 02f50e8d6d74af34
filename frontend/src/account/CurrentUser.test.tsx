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
  return client;
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

describe('user menu', () => {
  it('links to personal access tokens and signs out with DELETE /api/session and the CSRF header', async () => {
    const { default: userEvent } = await import('@testing-library/user-event');
    const { vi } = await import('vitest');
    const fetchMock = vi.fn<typeof fetch>(async () => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetchMock);
    const user = userEvent.setup();
    renderWith({ __typename: 'User', id: 'u1', username: 'alice', name: 'Alice Liddell' });

    const button = screen.getByRole('button', { name: /alice/ });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    await user.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('link', { name: 'Personal access tokens' }).getAttribute('href')).toBe(
      '/-/user_settings/personal_access_tokens',
    );
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('link', { name: 'Personal access tokens' })).toBeNull();
    expect(document.activeElement).toBe(button);

    await user.click(button);
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/session');
    expect(init?.method).toBe('DELETE');
    expect(new Headers(init?.headers).get('x-kickoff-csrf')).toBe('1');
  });
});

describe('sign out everywhere', () => {
  /** Opens alice's menu with signOutEverywhere answering payload, and clicks the item. */
  async function signOutEverywhere(payload: { endedSessions: number; errors: string[] }) {
    const { default: userEvent } = await import('@testing-library/user-event');
    const { vi } = await import('vitest');
    const { fromValue } = await import('wonka');
    const fetchMock = vi.fn<typeof fetch>(async () => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetchMock);
    const client = renderWith({ __typename: 'User', id: 'u1', username: 'alice', name: 'Alice Liddell' });
    const executeMutation = vi.mocked(client.executeMutation);
    executeMutation.mockImplementation(() => fromValue({ data: { signOutEverywhere: payload } }) as never);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: /alice/ }));
    await user.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
    return { executeMutation, fetchMock };
  }

  it("ends every session with the mutation, then drops this browser's cookie", async () => {
    const { executeMutation, fetchMock } = await signOutEverywhere({ endedSessions: 3, errors: [] });
    expect(executeMutation).toHaveBeenCalledTimes(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls[0][1]?.method).toBe('DELETE');
  });

  it('says so when the server refuses, and stays signed in', async () => {
    const { fetchMock } = await signOutEverywhere({ endedSessions: 0, errors: ['try again'] });
    expect(await screen.findByText('Could not sign out. Try again.')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
