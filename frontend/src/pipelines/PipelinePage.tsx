import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { DataTable } from '../ui/DataTable';
import { StatusBadge } from './StatusBadge';
import { Empty, ErrorAlert, ErrorState, Loading } from '../ui/States';
import { Time } from '../ui/Time';
import { formatDuration } from '../ui/format';
import { useProject } from '../projects/ProjectContext';
import { projectUrl } from '../projects/paths';
import { JobLog } from './JobLog';
import { levelLabel } from '../members/accessLevels';
import { usePipelineEvents } from './usePipelineEvents';

const CancelPipeline = graphql(`
  mutation CancelPipeline($id: ID!) {
    pipelineCancel(input: { id: $id }) {
      pipeline {
        id
        status
      }
      errors
    }
  }
`);

const RetryPipeline = graphql(`
  mutation RetryPipeline($id: ID!) {
    pipelineRetry(input: { id: $id }) {
      pipeline {
        id
        status
      }
      errors
    }
  }
`);

const PipelineQuery = graphql(`
  query PipelineDetail($fullPath: ID!, $iid: ID!) {
    project(fullPath: $fullPath) {
      id
      pipeline(iid: $iid) {
        id
        iid
        status
        ref
        sha
        tag
        source
        failureReason
        triggerShortToken
        createdAt
        updatedAt
        startedAt
        finishedAt
        duration
        queuedDuration
        user {
          id
          username
          name
        }
        variables {
          key
          value
          file
        }
        upstream {
          id
          iid
          status
          project {
            id
            fullPath
          }
        }
        downstream(first: 50) {
          nodes {
            id
            iid
            status
            project {
              id
              fullPath
            }
          }
        }
      }
    }
  }
`);

const FINISHED = new Set(['SUCCESS', 'FAILED', 'CANCELED', 'SKIPPED']);
export const MASK = '•••••';

export function PipelinePage({ iid }: { iid: string }) {
  const project = useProject();
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: PipelineQuery,
    variables: { fullPath: project.fullPath, iid },
    requestPolicy: 'cache-and-network',
  });
  const pipeline = data?.project?.pipeline;
  // Live status: reload when this pipeline changes (or, without a websocket, on a timer).
  const changes = usePipelineEvents(project.fullPath, pipeline?.id);
  useEffect(() => {
    if (changes > 0) reexecute({ requestPolicy: 'network-only' });
  }, [changes, reexecute]);

  if (error && !data) {
    return (
      <ErrorState
        title="Could not load the pipeline"
        error={error}
        onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      />
    );
  }
  if (!data) return fetching ? <Loading>Loading pipeline…</Loading> : null;
  if (!pipeline) {
    return (
      <section className="page">
        <title>Pipeline not found · Kickoff</title>
        <Empty title={`Pipeline #${iid} not found`}>
          <Link to={projectUrl.pipelines(project.fullPath)}>Back to pipelines</Link>
        </Empty>
      </section>
    );
  }

  const showValues = project.userPermissions.readPipelineVariables;
  const downstream = (pipeline.downstream.nodes ?? []).flatMap((n) => (n ? [n] : []));
  return (
    <section className="page" aria-labelledby="pipeline-title">
      <title>{`Pipeline #${pipeline.iid} · ${project.fullPath} · Kickoff`}</title>
      <p className="breadcrumb">
        <Link to={projectUrl.pipelines(project.fullPath)}>Pipelines</Link> <span aria-hidden="true">/</span> #
        {pipeline.iid}
      </p>
      <div className="page-header">
        <h1 id="pipeline-title">Pipeline #{pipeline.iid}</h1>
        <StatusBadge status={pipeline.status} />
        {project.userPermissions.updatePipeline ? (
          <PipelineActions
            id={pipeline.id}
            finished={FINISHED.has(pipeline.status)}
            retryable={pipeline.status === 'FAILED' || pipeline.status === 'CANCELED'}
            onDone={() => reexecute({ requestPolicy: 'network-only' })}
          />
        ) : null}
      </div>
      {pipeline.failureReason ? (
        <p className="alert alert-error">Failure reason: {pipeline.failureReason}</p>
      ) : null}
      <dl className="details">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={pipeline.status} />
        </dd>
        <dt>{pipeline.tag ? 'Tag' : 'Branch'}</dt>
        <dd>
          <span className="ref">{pipeline.ref}</span>
        </dd>
        <dt>Commit</dt>
        <dd className="mono">{pipeline.sha ?? <span className="muted">unknown</span>}</dd>
        <dt>Source</dt>
        <dd>{pipeline.source}</dd>
        <dt>Trigger token</dt>
        <dd>{pipeline.triggerShortToken ? <code>{pipeline.triggerShortToken}</code> : '—'}</dd>
        <dt>User</dt>
        <dd>{pipeline.user ? `${pipeline.user.name} (@${pipeline.user.username})` : '—'}</dd>
        <dt>Created</dt>
        <dd>
          <Time value={pipeline.createdAt} />
        </dd>
        <dt>Started</dt>
        <dd>
          <Time value={pipeline.startedAt} fallback="not started" />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time value={pipeline.finishedAt} fallback="not finished" />
        </dd>
        <dt>Duration</dt>
        <dd>{formatDuration(pipeline.duration)}</dd>
        <dt>Queued</dt>
        <dd>{formatDuration(pipeline.queuedDuration)}</dd>
        <dt>Upstream</dt>
        <dd>
          {pipeline.upstream ? (
            <Link to={projectUrl.pipeline(pipeline.upstream.project.fullPath, pipeline.upstream.iid)}>
              {pipeline.upstream.project.fullPath} #{pipeline.upstream.iid}
            </Link>
          ) : (
            '—'
          )}
        </dd>
        <dt>Downstream</dt>
        <dd>
          {downstream.length === 0 ? (
            '—'
          ) : (
            <ul className="plain-list">
              {downstream.map((d) => (
                <li key={d.id}>
                  <Link to={projectUrl.pipeline(d.project.fullPath, d.iid)}>
                    {d.project.fullPath} #{d.iid}
                  </Link>{' '}
                  <StatusBadge status={d.status} />
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <h2 className="section-title">Job log</h2>
      {project.userPermissions.readJobLog ? (
        <JobLog key={pipeline.id + pipeline.startedAt} fullPath={project.fullPath} iid={pipeline.iid} />
      ) : (
        <p className="muted">
          Job logs of this project are visible to {levelLabel(project.jobLogAccessLevel)}s and above.
        </p>
      )}
      <h2 className="section-title">Variables</h2>
      {showValues ? null : (
        <p className="muted">Values are visible to project Maintainers only.</p>
      )}
      <VariablesTable variables={pipeline.variables} />
    </section>
  );
}

/** Cancel (unfinished pipelines) and retry (failed or canceled ones), for Developers. */
function PipelineActions({
  id,
  finished,
  retryable,
  onDone,
}: {
  id: string;
  finished: boolean;
  retryable: boolean;
  onDone: () => void;
}) {
  const [cancel, cancelPipeline] = useMutation(CancelPipeline);
  const [retry, retryPipeline] = useMutation(RetryPipeline);
  const [problem, setProblem] = useState<string | null>(null);
  function settle(error: { message: string } | undefined, errors: readonly string[] | undefined) {
    setProblem(error?.message ?? (errors?.length ? errors.join('; ') : null));
    onDone();
  }
  const onCancel = async () => {
    const r = await cancelPipeline({ id });
    settle(r.error, r.data?.pipelineCancel.errors);
  };
  const onRetry = async () => {
    const r = await retryPipeline({ id });
    settle(r.error, r.data?.pipelineRetry.errors);
  };
  const busy = cancel.fetching || retry.fetching;
  return (
    <div className="page-actions">
      {finished ? null : (
        <button
          type="button"
          className="btn btn-danger"
          disabled={busy}
          onClick={onCancel}
        >
          Cancel pipeline
        </button>
      )}
      {retryable ? (
        <button
          type="button"
          className="btn"
          disabled={busy}
          onClick={onRetry}
        >
          Retry pipeline
        </button>
      ) : null}
      {problem ? <ErrorAlert message={problem} /> : null}
    </div>
  );
}

export function VariablesTable({
  variables,
}: {
  variables: readonly { key: string; value?: string | null; file: boolean }[];
}) {
  if (variables.length === 0) return <p className="muted">No variables.</p>;
  return (
    <DataTable label="Variables" columns={['Key', 'Value', 'Type']}>
      {variables.map((v) => (
        <tr key={v.key}>
          <td data-label="Key" className="mono">
            {v.key}
          </td>
          <td data-label="Value" className="mono pre">
            {v.value == null ? (
              <span aria-label="hidden value" title="Visible to Maintainers only">
                {MASK}
              </span>
            ) : (
              v.value
            )}
          </td>
          <td data-label="Type">{v.file ? 'file' : 'variable'}</td>
        </tr>
      ))}
    </DataTable>
  );
}
