// features/health/components/: the services' health panel.

import { QueryPanel } from '@/components/ui/query-panel';

import { useHealth, type Health, type HealthCheck } from '../api/get-health';

const HEALTHY_WORDS = new Set(['ok', 'up', 'healthy', 'connected', 'reachable', 'online']);

export function HealthPanel() {
  const health = useHealth();

  return (
    <section className="panel" aria-labelledby="health-heading">
      <div className="panel-header">
        <h2 id="health-heading">Health</h2>
        {health.data && <StatusBadge ok={health.data.status === 'ok'} text={health.data.status} />}
      </div>
      <QueryPanel query={health} loading="Checking services…" error="Could not load health">
        {(data) => <HealthChecks health={data} />}
      </QueryPanel>
    </section>
  );
}

function HealthChecks({ health }: { health: Health }) {
  const rows: [string, HealthCheck][] = [
    ['Database', health.database],
    ['Redis', health.redis],
    ['Flower', health.flower],
  ];
  return (
    <dl className="health-grid">
      {rows.map(([label, check]) => (
        <div className="health-item" key={label}>
          <dt>{label}</dt>
          <dd>
            <StatusBadge ok={isHealthy(check)} text={describeCheck(check)} />
          </dd>
        </div>
      ))}
      <div className="health-item">
        <dt>Workers</dt>
        <dd>
          <StatusBadge ok={health.workers > 0} text={String(health.workers)} />
        </dd>
      </div>
    </dl>
  );
}

function StatusBadge({ ok, text }: { ok: boolean; text: string }) {
  return <span className={`badge ${ok ? 'badge-ok' : 'badge-warn'}`}>{text}</span>;
}

function describeCheck(check: HealthCheck): string {
  if (check === null) return 'unknown';
  if (typeof check === 'boolean') return check ? 'ok' : 'down';
  if (typeof check === 'object') {
    return typeof check.status === 'string' ? check.status : JSON.stringify(check);
  }
  return String(check);
}

function isHealthy(check: HealthCheck): boolean {
  if (check === true) return true;
  return HEALTHY_WORDS.has(describeCheck(check).toLowerCase());
}
