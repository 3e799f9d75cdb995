// components/ui/: generic building blocks that know nothing of TaskPulse's data: layout, panels,
// tables, fields, dialogs, badges, toasts.

import { useState, type ReactNode } from 'react';
import { Link, NavLink } from 'react-router';

export type NavItem = { to: string; label: string; end?: boolean };

type LayoutProps = {
  children: ReactNode;
  username?: string | undefined;
  onLogout?: (() => void) | undefined;
  isLoggingOut?: boolean;
  nav?: NavItem[];
  /** Header widgets before the user name (connection badge, notifications bell). */
  status?: ReactNode;
};

export function Layout({
  children,
  username,
  onLogout,
  isLoggingOut = false,
  nav = [],
  status,
}: LayoutProps) {
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className={`app-header${menuOpen ? ' menu-open' : ''}`}>
        <div className="header-start">
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden="true" />
            TaskPulse
          </Link>
          {nav.length > 0 && (
            <button
              type="button"
              className="button nav-toggle"
              aria-expanded={menuOpen}
              aria-controls="main-nav"
              onClick={() => setMenuOpen((open) => !open)}
            >
              Menu
            </button>
          )}
        </div>
        {nav.length > 0 && (
          <nav id="main-nav" className={`main-nav${menuOpen ? ' open' : ''}`} aria-label="Main">
            {nav.map((item) => (
              <NavLink
                key={item.to}
                to={item.to}
                end={item.end ?? false}
                className="nav-link"
                onClick={() => setMenuOpen(false)}
              >
                {item.label}
              </NavLink>
            ))}
          </nav>
        )}
        {username !== undefined && status && <div className="header-status">{status}</div>}
        {username !== undefined && (
          // On a phone the user and "Log out" live in the menu: the header stays one row.
          <div className="user-menu">
            <span className="username" title="Signed in as">
              {username}
            </span>
            {onLogout && (
              <button
                type="button"
                className="button button-secondary"
                onClick={onLogout}
                disabled={isLoggingOut}
              >
                {isLoggingOut ? 'Logging out…' : 'Log out'}
              </button>
            )}
          </div>
        )}
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
