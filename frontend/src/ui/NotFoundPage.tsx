import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <section className="page narrow" aria-labelledby="not-found-title">
      <title>Page not found · Kickoff</title>
      <h1 id="not-found-title">Page not found</h1>
      <p className="muted">The page you were looking for could not be found.</p>
      <p>
        <Link to="/">Go to projects</Link>
      </p>
    </section>
  );
}
