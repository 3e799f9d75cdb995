import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

/** Last resort for a render or routing error, so the user never faces a blank page. */
export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : 'Unknown error';

  return (
    <div className="centered-page" role="alert">
      <p className="eyebrow">Error</p>
      <h1>Something went wrong</h1>
      <p>{message}</p>
      <Link to="/" className="button button-primary">
        Back to TaskPulse
      </Link>
    </div>
  );
}
