import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { errorMessage } from '../graphql/errors';

export function Loading({ children }: { children: ReactNode }) {
  return (
    <p className="state muted" role="status">
      {children}
    </p>
  );
}

export function ErrorState({ title, error, onRetry }: { title: string; error: CombinedError; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title}</p>
      <p className="error-message">{errorMessage(error)}</p>
      {onRetry ? (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state">
      <p className="state-title">{title}</p>
      {children ? <p className="muted">{children}</p> : null}
    </div>
  );
}

/** An inline error under a form or in a dialog; nothing when there is none. */
export function ErrorAlert({ message }: { message: ReactNode }) {
  if (!message) return null;
  return (
    <p className="alert alert-error" role="alert">
      {message}
    </p>
  );
}
