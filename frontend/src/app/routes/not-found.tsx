import { Link } from 'react-router';

export function NotFoundRoute() {
  return (
    <div className="centered-page">
      <p className="eyebrow">404</p>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link to="/" className="button button-primary">
        Back to TaskPulse
      </Link>
    </div>
  );
}
