import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SignInPage } from './SignInPage';

function jsonResponse(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function renderSignIn() {
  const router = createMemoryRouter(
    [
      { path: '/users/sign_in', element: <SignInPage /> },
      { path: '/', element: <p>Projects home</p> },
    ],
    { initialEntries: ['/users/sign_in'] },
  );
  render(<RouterProvider router={router} />);
  return router;
}

async function signIn(username: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Username'), username);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('SignInPage', () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => {
    fetchMock.mockReset();
  });

  it('posts the credentials as JSON to /api/session', async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, { id: '1', username: 'alice' }));
    renderSignIn();
    await signIn('alice', 's3cret pass');

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/session');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    expect(new Headers(init?.headers).get('content-type')).toBe('application/json');
    expect(JSON.parse(String(init?.body))).toEqual({ username: 'alice', password: 's3cret pass' });
  });

  it('goes to the projects page on success', async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, { id: '1', username: 'alice' }));
    const router = renderSignIn();
    await signIn('alice', 'right');

    expect(await screen.findByText('Projects home')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/');
  });

  it("shows the server's message on 401 and stays on the page", async () => {
    fetchMock.mockResolvedValue(jsonResponse(401, { message: '401 Unauthorized - invalid username or password' }));
    const router = renderSignIn();
    await signIn('alice', 'wrong');

    expect((await screen.findByRole('alert')).textContent).toBe('401 Unauthorized - invalid username or password');
    expect(router.state.location.pathname).toBe('/users/sign_in');
    expect(screen.queryByText('Projects home')).toBeNull();
    expect((screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows the server's message on 429", async () => {
    fetchMock.mockResolvedValue(jsonResponse(429, { message: 'Too many sign-in attempts. Try again later.' }));
    renderSignIn();
    await signIn('alice', 'again');

    expect((await screen.findByRole('alert')).textContent).toBe('Too many sign-in attempts. Try again later.');
  });

  it('falls back to a generic message when the body is not JSON', async () => {
    fetchMock.mockResolvedValue(new Response('<html>Bad Gateway</html>', { status: 502 }));
    renderSignIn();
    await signIn('alice', 'x');

    expect((await screen.findByRole('alert')).textContent).toBe('Sign-in failed (HTTP 502). Try again later.');
  });
});
