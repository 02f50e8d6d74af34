import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql/generated';
import { LoadMore, useCursorPages } from '../ui/LoadMore';
import { Empty, ErrorState, Loading } from '../ui/States';
import { NewProjectForm } from './NewProjectForm';
import { mutationFailure } from '../graphql/errors';

const ProjectsQuery = graphql(`
  query Projects($search: String, $first: Int, $after: Cursor) {
    projects(search: $search, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          fullPath
          description
        }
      }
    }
  }
`);

const CreateProject = graphql(`
  mutation ProjectCreate($input: ProjectCreateInput!) {
    projectCreate(input: $input) {
      project {
        id
        fullPath
      }
      errors
    }
  }
`);

export const PAGE_SIZE = 20;
const SEARCH_DELAY_MS = 300;

// Every component below that shows one page asks for the same operation; urql
// runs it once and shares the result, so the list, the count and the footer
// each read what they need without passing query state around.
function useProjectsPage(search: string, after: string | null) {
  return useQuery({
    query: ProjectsQuery,
    variables: { search: search || null, first: PAGE_SIZE, after },
  });
}

export function ProjectsPage() {
  const [params, setParams] = useSearchParams();
  const search = params.get('search') ?? '';
  const [draft, setDraft] = useState(search);
  const applied = useRef(search);
  const [creating, setCreating] = useState(false);

  const applySearch = useCallback(
    (value: string) => {
      applied.current = value;
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (value) next.set('search', value);
          else next.delete('search');
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  // The URL changed without us (back/forward, a link): show its search.
  useEffect(() => {
    if (search !== applied.current) {
      applied.current = search;
      setDraft(search);
    }
  }, [search]);

  // Search as the user types, once they pause.
  useEffect(() => {
    if (draft === applied.current) return;
    const timer = setTimeout(() => applySearch(draft), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, applySearch]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (draft !== applied.current) applySearch(draft);
  }

  const term = search.trim();
  return (
    <section className="page" aria-labelledby="projects-title">
      <title>Projects · Kickoff</title>
      <div className="page-header">
        <h1 id="projects-title">Projects</h1>
        <ProjectCount search={term} />
        <NewProjectButton open={creating} onToggle={() => setCreating((v) => !v)} />
      </div>
      {creating ? <NewProject onCancel={() => setCreating(false)} /> : null}
      <form role="search" className="search-form" onSubmit={onSubmit}>
        <label htmlFor="project-search" className="visually-hidden">
          Search projects
        </label>
        <input
          id="project-search"
          type="search"
          placeholder="Search projects"
          autoComplete="off"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
      </form>
      <ProjectList key={term} search={term} />
    </section>
  );
}

function NewProjectButton({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  return (
    <button
      type="button"
      className="btn btn-primary push-end"
      aria-expanded={open}
      aria-controls={open ? 'new-project' : undefined}
      onClick={onToggle}
    >
      New project
    </button>
  );
}

/** projectCreate, then the new project's page. */
function NewProject({ onCancel }: { onCancel: () => void }) {
  const [, createProject] = useMutation(CreateProject);
  const navigate = useNavigate();
  return (
    <div id="new-project" className="new-project">
      <NewProjectForm
        onCancel={onCancel}
        onCreate={async (input) => {
          const result = await createProject({ input });
          const payload = result.data?.projectCreate;
          const failure = mutationFailure(result, payload);
          if (failure) return failure;
          if (payload?.project) navigate(`/${payload.project.fullPath}`);
          return null;
        }}
      />
    </div>
  );
}

function ProjectCount({ search }: { search: string }) {
  const [{ data }] = useProjectsPage(search, null);
  const total = data?.projects?.totalCount;
  if (total == null) return null;
  return (
    <span className="count" aria-label={`${total} ${total === 1 ? 'project' : 'projects'}`}>
      {total}
    </span>
  );
}

function ProjectList({ search }: { search: string }) {
  const { cursors, last, loadMore } = useCursorPages();
  return (
    <>
      <ul className="project-list" aria-label="Projects">
        {cursors.map((after) => (
          <ProjectItems key={after ?? ''} search={search} after={after} />
        ))}
      </ul>
      <ProjectListStatus search={search} after={last} onLoadMore={loadMore} />
    </>
  );
}

function ProjectItems({ search, after }: { search: string; after: string | null }) {
  const [{ data }] = useProjectsPage(search, after);
  const nodes = (data?.projects?.edges ?? []).flatMap((edge) => (edge?.node ? [edge.node] : []));
  return (
    <>
      {nodes.map((project) => (
        <li key={project.id} className="project-item">
          <span className="avatar" aria-hidden="true">
            {project.name.slice(0, 1).toUpperCase()}
          </span>
          <div className="project-text">
            <Link to={`/${project.fullPath}`} className="project-name">
              {project.name}
            </Link>
            <span className="project-path">{project.fullPath}</span>
            {project.description ? <p className="project-description">{project.description}</p> : null}
          </div>
        </li>
      ))}
    </>
  );
}

function ProjectListStatus({
  search,
  after,
  onLoadMore,
}: {
  search: string;
  after: string | null;
  onLoadMore: (cursor: string) => void;
}) {
  const [{ data, fetching, error }, reexecute] = useProjectsPage(search, after);
  const page = data?.projects;

  if (error) {
    return (
      <ErrorState
        title="Could not load projects"
        error={error}
        onRetry={() => reexecute({ requestPolicy: 'network-only' })}
      />
    );
  }
  if (after === null && !page) return fetching ? <Loading>Loading projects…</Loading> : null;
  if (after === null && page && page.totalCount === 0) {
    return search ? (
      <Empty title={`No projects match “${search}”`} />
    ) : (
      <Empty title="No projects yet">Projects you can see will be listed here.</Empty>
    );
  }

  return <LoadMore after={after} fetching={fetching} page={page} onLoadMore={onLoadMore} />;
}
