import { MetricsPage } from '@/features/operations/metrics';

import { StaffOnly } from './operations';

/** Loaded on demand (React.lazy): the chart library stays out of the main bundle. */
export default function MetricsRoute() {
  return (
    <StaffOnly what="Metrics">
      <MetricsPage />
    </StaffOnly>
  );
}
