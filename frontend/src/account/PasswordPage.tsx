import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../graphql/generated';
import { ErrorAlert } from '../ui/States';
import { mutationFailure } from '../graphql/errors';

const UpdatePassword = graphql(`
  mutation CurrentUserPasswordUpdate($input: CurrentUserPasswordUpdateInput!) {
    currentUserPasswordUpdate(input: $input) {
      errors
    }
  }
`);

/** User settings › Password: changing it signs out every other browser. */
export function PasswordPage() {
  const [{ fetching }, updatePassword] = useMutation(UpdatePassword);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const newPassword = String(form.get('newPassword'));
    setDone(false);
    if (newPassword !== form.get('confirmPassword')) {
      setError('The new password and its confirmation differ.');
      return;
    }
    const result = await updatePassword({ input: { currentPassword: String(form.get('currentPassword')), newPassword } });
    const failure = mutationFailure(result, result.data?.currentUserPasswordUpdate);
    setError(failure);
    if (!failure) {
      formElement.reset();
      setDone(true);
    }
  }

  return (
    <section className="page narrow" aria-labelledby="password-title">
      <title>Password · Kickoff</title>
      <h1 id="password-title">Password</h1>
      <p className="muted">Changing your password signs you out in every other browser.</p>
      <ErrorAlert message={error} />
      {done ? (
        <p className="alert alert-success" role="status">
          Your password was changed; your other sessions have ended.
        </p>
      ) : null}
      <form className="form card" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor="current-password">Current password</label>
          <input id="current-password" name="currentPassword" type="password" autoComplete="current-password" required />
        </div>
        <div className="field">
          <label htmlFor="new-password">New password</label>
          <input
            id="new-password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            minLength={8}
            maxLength={256}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="confirm-password">Confirm new password</label>
          <input id="confirm-password" name="confirmPassword" type="password" autoComplete="new-password" required />
        </div>
        <button type="submit" className="btn btn-primary" disabled={fetching}>
          {fetching ? 'Saving…' : 'Save password'}
        </button>
      </form>
    </section>
  );
}
