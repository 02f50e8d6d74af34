import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import type { PipelineSource, PipelineStatusEnum } from '../graphql/generated/graphql';
import { DataTable } from '../ui/DataTable';
import { LoadMore, useCursorPages } from '../ui/LoadMore';
import { PIPELINE_STATUSES, StatusBadge, statusLabel } from './StatusBadge';
import { Empty, ErrorState, Loading } from '../ui/States';
import { Time } from '../ui/Time';
import { shortSha } from '../ui/format';
import { useProject } from '../projects/ProjectContext';
import { projectUrl } from '../projects/paths';
import { usePipelineEvents } from './usePipelineEvents';

const PipelinesQuery = graphql(`
  query ProjectPipelines(
    $fullPath: ID!
    $status: PipelineStatusEnum
    $ref: String
    $source: String
    $first: Int
    $after: Cursor
  ) {
    project(fullPath: $fullPath) {
      id
      pipelines(status: $status, ref: $ref, source: $source, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          iid
          status
          ref
          sha
          tag
          source
          triggerShortToken
          createdAt
          user {
            id
            username
            name
          }
        }
      }
    }
  }
`);

export const PAGE_SIZE = 20;
export const PIPELINE_SOURCES: PipelineSource[] = ['trigger', 'pipeline', 'web', 'api', 'schedule'];

type Filters = { status: PipelineStatusEnum | null; ref: string | null; source: PipelineSource | null };

function readFilters(params: URLSearchParams): Filters {
  const status = params.get('status')?.toUpperCase() as PipelineStatusEnum | undefined;
  const source = params.get('source') as PipelineSource | null;
  return {
    status: status && PIPELINE_STATUSES.includes(status) ? status : null,
    ref: params.get('ref') || null,
    source: source && PIPELINE_SOURCES.includes(source) ? source : null,
  };
}

function usePipelinesPage(fullPath: string, filters: Filters, after: string | null) {
  return useQuery({
    query: PipelinesQuery,
    variables: { fullPath, ...filters, first: PAGE_SIZE, after },
    // Show what we had at once, but never a stale list when coming back to the page.
    requestPolicy: 'cache-and-network',
  });
}

export function PipelinesPage() {
  const project = useProject();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const [refDraft, setRefDraft] = useState(filters.ref ?? '');
  useEffect(() => setRefDraft(filters.ref ?? ''), [filters.ref]);

  function setFilter(name: 'status' | 'ref' | 'source', value: string) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(name, name === 'status' ? value.toLowerCase() : value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  }

  function onRefSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFilter('ref', refDraft.trim());
  }

  const key = JSON.stringify(filters);
  return (
    <section className="page" aria-labelledby="pipelines-title">
      <title>{`Pipelines · ${project.fullPath} · Kickoff`}</title>
      <div className="page-header">
        <h1 id="pipelines-title">Pipelines</h1>
        <PipelineCount fullPath={project.fullPath} filters={filters} />
      </div>
      <div className="filters" role="group" aria-label="Filter pipelines">
        <FilterSelect
          id="filter-status"
          label="Status"
          allLabel="All statuses"
          options={PIPELINE_STATUSES}
          optionLabel={statusLabel}
          value={filters.status}
          onChange={(value) => setFilter('status', value)}
        />
        <FilterSelect
          id="filter-source"
          label="Source"
          allLabel="All sources"
          options={PIPELINE_SOURCES}
          value={filters.source}
          onChange={(value) => setFilter('source', value)}
        />
        <form className="field field-inline" onSubmit={onRefSubmit}>
          <label htmlFor="filter-ref">Branch or tag</label>
          <input
            id="filter-ref"
            type="search"
            placeholder="e.g. main"
            autoComplete="off"
            value={refDraft}
            onChange={(event) => setRefDraft(event.target.value)}
            onBlur={() => {
              if (refDraft.trim() !== (filters.ref ?? '')) setFilter('ref', refDraft.trim());
            }}
          />
        </form>
        {filters.status || filters.ref || filters.source ? (
          <button type="button" className="btn btn-link" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear filters
          </button>
        ) : null}
      </div>
      <PipelineList key={key} fullPath={project.fullPath} filters={filters} />
    </section>
  );
}

/** A labelled <select> for one filter; its first option ("" = no filter) is `allLabel`. */
function FilterSelect<T extends string>({
  id,
  label,
  allLabel,
  options,
  optionLabel = (option) => option,
  value,
  onChange,
}: {
  id: string;
  label: string;
  allLabel: string;
  options: readonly T[];
  optionLabel?: (option: T) => string;
  value: T | null;
  onChange: (value: string) => void;
}) {
  return (
    <div className="field field-inline">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(event) => onChange(event.target.value)}>
        <option value="">{allLabel}</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {optionLabel(option)}
          </option>
        ))}
      </select>
    </div>
  );
}

function PipelineCount({ fullPath, filters }: { fullPath: string; filters: Filters }) {
  const [{ data }] = usePipelinesPage(fullPath, filters, null);
  const total = data?.project?.pipelines.totalCount;
  if (total == null) return null;
  return (
    <span className="count" aria-label={`${total} ${total === 1 ? 'pipeline' : 'pipelines'}`}>
      {total}
    </span>
  );
}

function PipelineList({ fullPath, filters }: { fullPath: string; filters: Filters }) {
  const { cursors, last, loadMore } = useCursorPages();
  // Every loaded page is refetched when a pipeline is created or changes.
  const tick = usePipelineEvents(fullPath);
  return (
    <>
      <DataTable label="Pipelines" columns={['Status', 'Pipeline', 'Ref', 'Source', 'Trigger', 'User', 'Created']}>
        {cursors.map((after) => (
          <PipelineRows key={after ?? ''} fullPath={fullPath} filters={filters} after={after} tick={tick} />
        ))}
      </DataTable>
      <PipelineListStatus fullPath={fullPath} filters={filters} after={last} onLoadMore={loadMore} />
    </>
  );
}

function PipelineRows({
  fullPath,
  filters,
  after,
  tick,
}: {
  fullPath: string;
  filters: Filters;
  after: string | null;
  tick: number;
}) {
  const [{ data }, reexecute] = usePipelinesPage(fullPath, filters, after);
  useEffect(() => {
    if (tick > 0) reexecute({ requestPolicy: 'network-only' });
  }, [tick, reexecute]);
  const nodes = (data?.project?.pipelines.nodes ?? []).flatMap((n) => (n ? [n] : []));
  return (
    <>
      {nodes.map((p) => (
        <tr key={p.id}>
          <td data-label="Status">
            <StatusBadge status={p.status} />
          </td>
          <td data-label="Pipeline">
            <Link to={projectUrl.pipeline(fullPath, p.iid)} className="strong">
              #{p.iid}
            </Link>
            <div className="muted small mono">{shortSha(p.sha)}</div>
          </td>
          <td data-label="Ref">
            <span className="ref" title={p.tag ? 'Tag' : 'Branch'}>
              {p.ref}
            </span>
          </td>
          <td data-label="Source">{p.source}</td>
          <td data-label="Trigger">
            {p.triggerShortToken ? <code title="Trigger token (first characters)">{p.triggerShortToken}</code> : '—'}
          </td>
          <td data-label="User">{p.user ? <span title={p.user.name}>{p.user.username}</span> : '—'}</td>
          <td data-label="Created">
            <Time value={p.createdAt} />
          </td>
        </tr>
      ))}
    </>
  );
}

function PipelineListStatus({
  fullPath,
  filters,
  after,
  onLoadMore,
}: {
  fullPath: string;
  filters: Filters;
  after: string | null;
  onLoadMore: (cursor: string) => void;
}) {
  const [{ data, fetching, error }, reexecute] = usePipelinesPage(fullPath, filters, after);
  const page = data?.project?.pipelines;
  if (error && !page) {
    return (
      <ErrorState
        title="Could not load pipelines"
        error={error}
        onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      />
    );
  }
  if (after === null && !page) return fetching ? <Loading>Loading pipelines…</Loading> : null;
  if (after === null && page && page.totalCount === 0) {
    return filters.status || filters.ref || filters.source ? (
      <Empty title="No pipelines match these filters" />
    ) : (
      <Empty title="No pipelines yet">
        Pipelines appear here when a trigger token, a job token or a user starts one. Create a trigger token under
        Settings › CI/CD.
      </Empty>
    );
  }
  return <LoadMore after={after} fetching={fetching} page={page} onLoadMore={onLoadMore} />;
}
