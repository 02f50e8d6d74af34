import { useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { useResetGraphQLClient } from '../graphql/GraphQLProvider';
import { ErrorAlert } from '../ui/States';

const CurrentUserQuery = graphql(`
  query CurrentUser {
    currentUser {
      id
      username
      name
    }
  }
`);

const SignOutEverywhereMutation = graphql(`
  mutation SignOutEverywhere {
    signOutEverywhere {
      endedSessions
      errors
    }
  }
`);

export const SESSION_URL = '/api/session';

/** Signs out: DELETE /api/session with the CSRF header (the server clears the cookie). */
export async function signOut(fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    const response = await fetchImpl(SESSION_URL, {
      method: 'DELETE',
      credentials: 'same-origin',
      headers: { 'X-Kickoff-CSRF': '1' },
    });
    return response.ok;
  } catch {
    return false;
  }
}

export function CurrentUser() {
  const [{ data, fetching }] = useQuery({ query: CurrentUserQuery });
  if (fetching && !data) return null;
  const user = data?.currentUser;
  if (!user) {
    return (
      <Link to="/users/sign_in" className="topbar-link">
        Sign in
      </Link>
    );
  }
  return <UserMenu username={user.username} name={user.name} />;
}

/** A disclosure menu: Escape closes it and returns focus to its button. */
function UserMenu({ username, name }: { username: string; name: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(false);
  const menuId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const reset = useResetGraphQLClient();
  const [, signOutEverywhere] = useMutation(SignOutEverywhereMutation);

  async function finish(ok: boolean) {
    if (!ok) {
      setError(true);
      return;
    }
    setOpen(false);
    reset();
    navigate('/users/sign_in');
  }

  useEffect(() => {
    if (!open) return;
    function onPointer(event: MouseEvent) {
      if (!wrapRef.current?.contains(event.target as Node)) setOpen(false);
    }
    document.addEventListener('mousedown', onPointer);
    return () => document.removeEventListener('mousedown', onPointer);
  }, [open]);

  return (
    <div
      className="user-menu"
      ref={wrapRef}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          setOpen(false);
          buttonRef.current?.focus();
        }
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        className="btn btn-ghost current-user"
        aria-expanded={open}
        aria-controls={menuId}
        title={name}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="visually-hidden">Signed in as </span>
        {username}
        <span aria-hidden="true"> ▾</span>
      </button>
      {open ? (
        <div id={menuId} className="user-menu-panel">
          <p className="user-menu-name">
            {name}
            <span className="muted"> @{username}</span>
          </p>
          <Link to="/-/user_settings/personal_access_tokens" className="menu-item" onClick={() => setOpen(false)}>
            Personal access tokens
          </Link>
          <Link to="/-/user_settings/password/edit" className="menu-item" onClick={() => setOpen(false)}>
            Password
          </Link>
          <button
            type="button"
            className="menu-item"
            onClick={async () => {
              setError(false);
              await finish(await signOut());
            }}
          >
            Sign out
          </button>
          <button
            type="button"
            className="menu-item"
            title="Ends your sessions in every browser, this one included"
            onClick={async () => {
              setError(false);
              const result = await signOutEverywhere({});
              const ended = !result.error && result.data?.signOutEverywhere.errors.length === 0;
              // This browser's session ended with the others; DELETE also drops its cookie.
              await finish(ended && (await signOut()));
            }}
          >
            Sign out everywhere
          </button>
          <ErrorAlert message={error ? 'Could not sign out. Try again.' : null} />
        </div>
      ) : null}
    </div>
  );
}
