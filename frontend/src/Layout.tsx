import { NavLink, Outlet } from 'react-router';
import { CurrentUser } from './account/CurrentUser';

export function Layout() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="topbar">
        <nav className="topbar-inner" aria-label="Main">
          <NavLink to="/" className="brand" end>
            Kickoff
          </NavLink>
          <NavLink to="/" className="topbar-link" end>
            Projects
          </NavLink>
          <NavLink to="/-/graphql-explorer" className="topbar-link">
            GraphQL explorer
          </NavLink>
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
