import type { ReactNode } from 'react';
import { CopyButton } from './CopyButton';

/** The success notice after creating a token: `children` says what to do, then the token and a copy button. */
export function NewTokenAlert({
  token,
  testId,
  copyLabel,
  children,
}: {
  token: string;
  testId: string;
  copyLabel: string;
  children: ReactNode;
}) {
  return (
    <div className="alert alert-success" role="status">
      <p>{children}</p>
      <div className="token-cell">
        <code className="token" data-testid={testId}>
          {token}
        </code>
        <CopyButton text={token} label={copyLabel} />
      </div>
    </div>
  );
}
