import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { CreateWithExpiryForm } from '../ui/CreateWithExpiryForm';
import { DataTable } from '../ui/DataTable';
import { ConfirmDialog, useDialogAction } from '../ui/Modal';
import { NewTokenAlert } from '../ui/NewTokenAlert';
import { Empty, ErrorState, Loading } from '../ui/States';
import { Time } from '../ui/Time';
import { mutationFailure } from '../graphql/errors';

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
  const revoke = useDialogAction<{ id: string; name: string }>();
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
        <CreateWithExpiryForm
          heading={{ id: 'pat-add-title', level: 2, text: 'Add a personal access token' }}
          name={{ id: 'pat-name', label: 'Token name' }}
          expires={{ id: 'pat-expires' }}
          submitLabel="Create personal access token"
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
          <NewTokenAlert
            token={created.token}
            testId="new-personal-access-token"
            copyLabel="Copy personal access token"
          >
            Your new personal access token “{created.name}” — copy it now: it will not be shown again.
          </NewTokenAlert>
        ) : null}
        <h2 className="section-title">
          Active personal access tokens <span className="count">{tokens.length}</span>
        </h2>
        {tokens.length === 0 ? (
          <p className="muted empty-note">This user has no active personal access tokens.</p>
        ) : (
          <DataTable label="Personal access tokens" columns={['Name', 'Created', 'Last used', 'Expires']} actions>
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
                    onClick={() => revoke.open({ id: t.id, name: t.name })}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </>
    );
  }

  const revoking = revoke.target;
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
          busy={revoke.busy}
          error={revoke.error}
          onCancel={revoke.close}
          onConfirm={() =>
            revoke.run(async () => {
              const result = await revokeToken({ input: { id: revoking.id } });
              const failure = mutationFailure(result, result.data?.personalAccessTokenRevoke);
              if (!failure) refresh();
              return failure;
            })
          }
        />
      ) : null}
    </section>
  );
}
