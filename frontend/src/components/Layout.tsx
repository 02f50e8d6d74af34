import { Link, Outlet } from 'react-router';
import { CurrentUser } from './CurrentUser';

export function Layout() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="topbar">
        <nav className="topbar-inner" aria-label="Main">
          <Link to="/" className="brand">
            Kickoff
          </Link>
          <div className="topbar-end">
            <CurrentUser />
          </div>
        </nav>
      </header>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
