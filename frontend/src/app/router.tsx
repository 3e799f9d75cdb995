import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';

import { Loading } from '@/components/ui/loading';
import { LoginPage, RequireAuth } from '@/features/auth';

import { AppRoot } from './routes/app-root';
import { DeploymentRoute, DeployRoute } from './routes/deploy';
import { NotFoundRoute } from './routes/not-found';
import { FailuresRoute, QueuesRoute } from './routes/operations';
import { RouteError } from './routes/route-error';
import { TaskDetailRoute } from './routes/task-detail';
import { TasksRoute } from './routes/tasks';
import { TemplatesRoute } from './routes/templates';
import { WorkersRoute } from './routes/workers';

// The stats page carries the chart library: its own chunk, fetched when first visited.
const StatsRoute = lazy(() => import('./routes/stats'));
// The EDI page (upload, gauge, tables) too: only those who import invoices load it.
const EdiRoute = lazy(() => import('./routes/edi'));
// The metrics page draws charts too.
const MetricsRoute = lazy(() => import('./routes/metrics'));

/** A page whose code is fetched when first visited, with a spinner meanwhile. */
function lazyPage(page: ReactNode, loading: string) {
  return <Suspense fallback={<Loading label={loading} />}>{page}</Suspense>;
}

const router = createBrowserRouter([
  {
    errorElement: <RouteError />,
    children: [
      { path: '/login', element: <LoginPage /> },
      {
        element: (
          <RequireAuth>
            <AppRoot />
          </RequireAuth>
        ),
        children: [
          { index: true, element: <TasksRoute /> },
          { path: 'tasks/:id', element: <TaskDetailRoute /> },
          { path: 'stats', element: lazyPage(<StatsRoute />, 'Loading statistics…') },
          { path: 'workers', element: <WorkersRoute /> },
          { path: 'queues', element: <QueuesRoute /> },
          { path: 'failures', element: <FailuresRoute /> },
          { path: 'task-metrics', element: lazyPage(<MetricsRoute />, 'Loading metrics…') },
          { path: 'templates', element: <TemplatesRoute /> },
          { path: 'deploy', element: <DeployRoute /> },
          { path: 'deploy/:historyId', element: <DeploymentRoute /> },
          { path: 'edi', element: lazyPage(<EdiRoute />, 'Loading the EDI page…') },
        ],
      },
      { path: '*', element: <NotFoundRoute /> },
    ],
  },
]);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
