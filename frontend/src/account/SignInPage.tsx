import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ErrorAlert } from '../ui/States';
import { useResetGraphQLClient } from '../graphql/GraphQLProvider';

export const SESSION_URL = '/api/session';

/** The server's JSON `message` (SPEC §3/§5 error bodies), else a generic line. */
async function failureMessage(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string' && body.message) {
      return body.message;
    }
  } catch {
    // Not JSON (a proxy's error page, say): fall through.
  }
  return `Sign-in failed (HTTP ${response.status}). Try again later.`;
}

export function SignInPage() {
  const navigate = useNavigate();
  const resetGraphQLClient = useResetGraphQLClient();
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const form = new FormData(event.currentTarget);
    setSubmitting(true);
    setError(null);
    let response: Response;
    try {
      response = await fetch(SESSION_URL, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-Kickoff-CSRF': '1' },
        body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
      });
    } catch {
      setSubmitting(false);
      setError('Could not reach the server. Check your connection and try again.');
      return;
    }
    if (response.ok) {
      // Cached query results belong to the previous (anonymous) viewer.
      resetGraphQLClient();
      navigate('/', { replace: true });
      return;
    }
    setError(await failureMessage(response));
    setSubmitting(false);
  }

  return (
    <section className="page narrow" aria-labelledby="sign-in-title">
      <title>Sign in · Kickoff</title>
      <div className="card">
        <h1 id="sign-in-title">Sign in to Kickoff</h1>
        <ErrorAlert message={error} />
        <form className="form" onSubmit={onSubmit}>
          <div className="field">
            <label htmlFor="sign-in-username">Username</label>
            <input
              id="sign-in-username"
              name="username"
              type="text"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              autoFocus
            />
          </div>
          <div className="field">
            <label htmlFor="sign-in-password">Password</label>
            <input id="sign-in-password" name="password" type="password" autoComplete="current-password" required />
          </div>
          <button type="submit" className="btn btn-primary btn-block" disabled={submitting}>
            {submitting ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </section>
  );
}
