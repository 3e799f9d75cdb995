// The metrics page of features/operations, an entry of its own: the app loads it on demand
// (React.lazy), so the chart library stays out of the bundle every page loads.

export { MetricsPage } from './components/metrics-page';
