import { Link } from 'react-router';
import { useQuery } from 'urql';
import { graphql } from '../gql';

const CurrentUserQuery = graphql(`
  query CurrentUser {
    currentUser {
      id
      username
      name
    }
  }
`);

export function CurrentUser() {
  const [{ data, fetching }] = useQuery({ query: CurrentUserQuery });
  if (fetching && !data) return null;
  const user = data?.currentUser;
  if (!user) {
    return (
      <Link to="/users/sign_in" className="topbar-link">
        Sign in
      </Link>
    );
  }
  return (
    <span className="current-user" title={user.name}>
      <span className="visually-hidden">Signed in as </span>
      {user.username}
    </span>
  );
}
