import { HealthPanel } from '@/features/health/components/health-panel';

export function HomeRoute() {
  return (
    <>
      <h1 className="page-title">Overview</h1>
      <div className="panel-grid">
        <HealthPanel />
      </div>
    </>
  );
}
