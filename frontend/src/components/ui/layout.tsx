import type { ReactNode } from 'react';
import { Link } from 'react-router';

type LayoutProps = {
  children: ReactNode;
  username?: string | undefined;
  onLogout?: (() => void) | undefined;
  isLoggingOut?: boolean;
};

export function Layout({ children, username, onLogout, isLoggingOut = false }: LayoutProps) {
  return (
    <div className="app-shell">
      <header className="app-header">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          TaskPulse
        </Link>
        {username !== undefined && (
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
      <main className="app-main">{children}</main>
    </div>
  );
}
