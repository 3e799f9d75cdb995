// features/deploy/components/: the /deploy page (form, live progress, history) and a deployment's
// own page.

import { useState } from 'react';

import { useDeployInfo } from '../api/get-deploy-info';
import type { DeploymentAccepted } from '../api/types';

import { DeployForm } from './deploy-form';
import { DeployProgress } from './deploy-progress';
import { DeploymentsHistory } from './deployments-history';

type Launched = { accepted: DeploymentAccepted; hostname: string };

/** `/deploy`: the form, the live progress of what was just submitted, and the history. */
export function DeployPage() {
  const [launched, setLaunched] = useState<Launched | null>(null);
  const info = useDeployInfo();
  return (
    <>
      <h1 className="page-title">Deploy a VM</h1>
      {info.data && (
        <p className={info.data.provider === 'simulator' ? 'notice' : 'muted'}>
          Provider: <strong>{info.data.provider}</strong>
          {info.data.provider_description ? ` — ${info.data.provider_description}` : ''}
        </p>
      )}
      <section className="panel" aria-label="New deployment">
        <DeployForm onAccepted={(accepted, input) => setLaunched({ accepted, hostname: input.hostname })} />
      </section>
      {launched && (
        <DeployProgress
          key={launched.accepted.execution_id}
          accepted={launched.accepted}
          hostname={launched.hostname}
        />
      )}
      <DeploymentsHistory />
    </>
  );
}
