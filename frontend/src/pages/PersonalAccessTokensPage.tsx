import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { CopyButton } from '../components/CopyButton';
import { ConfirmDialog } from '../components/Modal';
import { Empty, ErrorState, Loading } from '../components/States';
import { Time } from '../components/Time';
import { mutationFailure } from '../graphql/errors';
import { endOfDayUTC, isoDateFromToday } from '../lib/format';

const TokensQuery = graphql(`
  query PersonalAccessTokens {
    currentUser {
      id
      personalAccessTokens(first: 100) {
        nodes {
          id
          name
          createdAt
          expiresAt
          lastUsedAt
        }
      }
    }
  }
`);

const CreateToken = graphql(`
  mutation PersonalAccessTokenCreate($input: PersonalAccessTokenCreateInput!) {
    personalAccessTokenCreate(input: $input) {
      token
      personalAccessToken {
        id
        name
      }
      errors
    }
  }
`);

const RevokeToken = graphql(`
  mutation PersonalAccessTokenRevoke($input: PersonalAccessTokenRevokeInput!) {
    personalAccessTokenRevoke(input: $input) {
      personalAccessToken {
        id
      }
      errors
    }
  }
`);

export function PersonalAccessTokensPage() {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: TokensQuery });
  const [, createToken] = useMutation(CreateToken);
  const [, revokeToken] = useMutation(RevokeToken);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const refresh = () => reexecute({ requestPolicy: 'network-only' });

  let body;
  if (error && !data) body = <ErrorState title="Could not load your tokens" error={error} onRetry={refresh} />;
  else if (!data) body = fetching ? <Loading>Loading tokens…</Loading> : null;
  else if (!data.currentUser)
    body = (
      <Empty title="Sign in to manage your personal access tokens">
        <Link to="/users/sign_in">Sign in</Link>
      </Empty>
    );
  else {
    const tokens = (data.currentUser.personalAccessTokens.nodes ?? []).flatMap((n) => (n ? [n] : []));
    body = (
      <>
        <CreateTokenForm
          onCreate={async (name, expiresAt) => {
            const result = await createToken({ input: { name, expiresAt } });
            const payload = result.data?.personalAccessTokenCreate;
            const failure = mutationFailure(result, payload);
            if (!failure && payload?.token) {
              setCreated({ name, token: payload.token });
              refresh();
            }
            return failure;
          }}
        />
        {created ? (
          <div className="alert alert-success" role="status">
            <p>
              Your new personal access token “{created.name}” — copy it now: it will not be shown again.
            </p>
            <div className="token-cell">
              <code className="token" data-testid="new-personal-access-token">
                {created.token}
              </code>
              <CopyButton text={created.token} label="Copy personal access token" />
            </div>
          </div>
        ) : null}
        <h2 className="section-title">
          Active personal access tokens <span className="count">{tokens.length}</span>
        </h2>
        {tokens.length === 0 ? (
          <p className="muted empty-note">This user has no active personal access tokens.</p>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Personal access tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr key={t.id}>
                    <td data-label="Name" className="wrap">
                      {t.name}
                    </td>
                    <td data-label="Created">
                      <Time value={t.createdAt} />
                    </td>
                    <td data-label="Last used">
                      <Time value={t.lastUsedAt} fallback="Never" />
                    </td>
                    <td data-label="Expires">
                      <Time value={t.expiresAt} fallback="Never" />
                    </td>
                    <td data-label="Actions" className="actions">
                      <button
                        type="button"
                        className="btn btn-sm btn-danger-outline"
                        aria-label={`Revoke personal access token ${t.name}`}
                        onClick={() => {
                          setRevokeError(null);
                          setRevoking({ id: t.id, name: t.name });
                        }}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </>
    );
  }

  return (
    <section className="page" aria-labelledby="pat-title">
      <title>Personal access tokens · Kickoff</title>
      <div className="page-header">
        <h1 id="pat-title">Personal access tokens</h1>
      </div>
      <p className="muted intro">
        Use personal access tokens with the REST API (<code>PRIVATE-TOKEN</code> header) and GraphQL (
        <code>Authorization: Bearer</code>).
      </p>
      {body}
      {revoking ? (
        <ConfirmDialog
          title="Revoke personal access token?"
          message={`Anything using “${revoking.name}” will stop working at once. This cannot be undone.`}
          confirmLabel="Revoke"
          danger
          busy={busy}
          error={revokeError}
          onCancel={() => setRevoking(null)}
          onConfirm={async () => {
            setBusy(true);
            const result = await revokeToken({ input: { id: revoking.id } });
            setBusy(false);
            const failure = mutationFailure(result, result.data?.personalAccessTokenRevoke);
            if (failure) setRevokeError(failure);
            else {
              setRevoking(null);
              refresh();
            }
          }}
        />
      ) : null}
    </section>
  );
}

function CreateTokenForm({ onCreate }: { onCreate: (name: string, expiresAt: string | null) => Promise<string | null> }) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !name.trim()) return;
    setBusy(true);
    setError(null);
    const failure = await onCreate(name.trim(), expires ? endOfDayUTC(expires) : null);
    setBusy(false);
    if (failure) setError(failure);
    else {
      setName('');
      setExpires('');
    }
  }
  return (
    <form className="form add-form" onSubmit={submit} aria-labelledby="pat-add-title">
      <h2 id="pat-add-title" className="section-title">
        Add a personal access token
      </h2>
      <div className="field">
        <label htmlFor="pat-name">Token name</label>
        <input id="pat-name" type="text" required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="pat-expires">
          Expiration date <span className="muted">(optional)</span>
        </label>
        <input
          id="pat-expires"
          type="date"
          min={isoDateFromToday(1)}
          value={expires}
          onChange={(e) => setExpires(e.target.value)}
        />
      </div>
      {error ? (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      ) : null}
      <div>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create personal access token'}
        </button>
      </div>
    </form>
  );
}
