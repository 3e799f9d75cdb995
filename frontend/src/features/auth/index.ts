// features/auth/: signing in and out: the login page, the guard that sends strangers to /login,
// and the session user.
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { meQueryKey, useCurrentUser, useMe } from './api/get-me';
export { forgetUserData, useLogout } from './api/logout';
export { LoginPage } from './components/login-page';
export { RequireAuth } from './components/require-auth';
