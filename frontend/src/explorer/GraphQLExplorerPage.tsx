// Loaded lazily on /-/graphql-explorer only: GraphiQL and Monaco are most of
// the app's weight. Workers and styles are set up here, not in main.
import 'graphiql/setup-workers/vite';
import '@graphiql/react/style.css';
import '@graphiql/plugin-doc-explorer/style.css';
import '@graphiql/plugin-history/style.css';
import 'graphiql/graphiql.css';
import { GraphiQL } from 'graphiql';
import { createExplorerFetcher } from './fetcher';

const fetcher = createExplorerFetcher();

const DEFAULT_QUERY = `# Kickoff's GraphQL API. Run with Ctrl-Enter; docs are in the side bar.
{
  currentUser {
    username
  }
}
`;

export default function GraphQLExplorerPage() {
  return (
    <div className="explorer">
      <title>GraphQL explorer · Kickoff</title>
      <h1 className="visually-hidden">GraphQL explorer</h1>
      <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} shouldPersistHeaders={false} />
    </div>
  );
}
