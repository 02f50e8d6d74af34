import { useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { DataTable } from '../ui/DataTable';
import { LoadMore, useCursorPages } from '../ui/LoadMore';
import { Empty, ErrorState, Loading } from '../ui/States';
import { Time } from '../ui/Time';
import { useProject } from '../projects/ProjectContext';

const AuditEventsQuery = graphql(`
  query ProjectAuditEvents($fullPath: ID!, $first: Int, $after: Cursor) {
    project(fullPath: $fullPath) {
      id
      auditEvents(first: $first, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          createdAt
          action
          outcome
          reason
          actorTokenKind
          actorShortToken
          ipAddress
          userAgent
          targetType
          targetId
          actorUser {
            id
            username
          }
        }
      }
    }
  }
`);

export const AUDIT_PAGE_SIZE = 50;

export function AuditEventsPage() {
  const project = useProject();
  return (
    <section className="page" aria-labelledby="audit-title">
      <title>{`Audit events · ${project.fullPath} · Kickoff`}</title>
      <div className="page-header">
        <h1 id="audit-title">Audit events</h1>
      </div>
      {project.userPermissions.adminProject ? (
        <AuditList fullPath={project.fullPath} />
      ) : (
        <div className="state" role="note">
          <p className="state-title">You need the Maintainer role</p>
          <p className="muted">Only Maintainers of this project can see its audit events.</p>
        </div>
      )}
    </section>
  );
}

function AuditList({ fullPath }: { fullPath: string }) {
  const { cursors, last, loadMore } = useCursorPages();
  return (
    <>
      <DataTable
        label="Audit events"
        columns={['Time', 'Action', 'Outcome', 'Actor', 'Credential', 'IP address', 'Target']}
      >
        {cursors.map((after) => (
          <AuditRows key={after ?? ''} fullPath={fullPath} after={after} />
        ))}
      </DataTable>
      <AuditFooter fullPath={fullPath} after={last} onLoadMore={loadMore} />
    </>
  );
}

function useAuditPage(fullPath: string, after: string | null) {
  return useQuery({ query: AuditEventsQuery, variables: { fullPath, first: AUDIT_PAGE_SIZE, after } });
}

function AuditRows({ fullPath, after }: { fullPath: string; after: string | null }) {
  const [{ data }] = useAuditPage(fullPath, after);
  const nodes = (data?.project?.auditEvents.nodes ?? []).flatMap((n) => (n ? [n] : []));
  return (
    <>
      {nodes.map((e) => (
        <tr key={e.id}>
          <td data-label="Time">
            <Time value={e.createdAt} />
          </td>
          <td data-label="Action" className="mono">
            {e.action}
            {e.reason ? <div className="muted small">{e.reason}</div> : null}
          </td>
          <td data-label="Outcome">
            <span className={e.outcome === 'SUCCESS' ? 'badge badge-success' : 'badge badge-danger'}>
              {e.outcome === 'SUCCESS' ? 'success' : 'failure'}
            </span>
          </td>
          <td data-label="Actor">{e.actorUser ? e.actorUser.username : <span className="muted">anonymous</span>}</td>
          <td data-label="Credential">
            {e.actorTokenKind ? (
              <>
                {e.actorTokenKind}
                {e.actorShortToken ? (
                  <>
                    {' '}
                    <code>{e.actorShortToken}</code>
                  </>
                ) : null}
              </>
            ) : (
              '—'
            )}
          </td>
          <td data-label="IP address" className="mono" title={e.userAgent || undefined}>
            {e.ipAddress || '—'}
          </td>
          <td data-label="Target">
            {e.targetType ? `${e.targetType}${e.targetId != null ? ` ${e.targetId}` : ''}` : '—'}
          </td>
        </tr>
      ))}
    </>
  );
}

function AuditFooter({
  fullPath,
  after,
  onLoadMore,
}: {
  fullPath: string;
  after: string | null;
  onLoadMore: (cursor: string) => void;
}) {
  const [{ data, fetching, error }, reexecute] = useAuditPage(fullPath, after);
  const page = data?.project?.auditEvents;
  if (error && !page) {
    return (
      <ErrorState
        title="Could not load audit events"
        error={error}
        onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      />
    );
  }
  if (after === null && !page) return fetching ? <Loading>Loading audit events…</Loading> : null;
  if (after === null && page && page.nodes.length === 0) return <Empty title="No audit events yet" />;
  return <LoadMore after={after} fetching={fetching} page={page} onLoadMore={onLoadMore} />;
}
