import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { Link, useNavigate } from 'react-router';

import { LogPanel } from '@/components/log-panel/log-panel';
import { ExecutionProgress } from '@/components/task-progress/execution-progress';
import { useTaskProgress } from '@/lib/executions/use-task-progress';

import { deploymentKeys, type DeploymentAccepted } from '../api/types';

import { DeployChecklist } from './deploy-checklist';

/** How long the success message shows before the deployment's page opens (seed 000). */
export const REDIRECT_DELAY_MS = 2000;

type DeployProgressProps = { accepted: DeploymentAccepted; hostname: string };

/** The live panel after a submit: bar, message, the 8-step checklist, then redirect or error. */
export function DeployProgress({ accepted, hostname }: DeployProgressProps) {
  const headingId = useId();
  const queryClient = useQueryClient();
  const [showLogs, setShowLogs] = useState(false);
  const { execution, error, isSuccess, isFailed } = useTaskProgress(accepted.execution_id, {
    onComplete: () => void queryClient.invalidateQueries({ queryKey: deploymentKeys.all }),
    onError: () => void queryClient.invalidateQueries({ queryKey: deploymentKeys.all }),
  });
  useRedirectAfterSuccess(isSuccess, `/deploy/${accepted.history_id}`);

  return (
    <section className="panel deploy-progress" aria-labelledby={headingId}>
      <div className="panel-header">
        <h2 id={headingId}>Deploying {hostname}</h2>
        <Link to={`/tasks/${accepted.execution_id}`} className="small-link">
          Task #{accepted.execution_id}
        </Link>
      </div>
      {error && <p className="field-error">Could not follow the deployment: {error.message}</p>}
      {execution && (
        <>
          <ExecutionProgress
            execution={execution}
            label={`Deployment of ${hostname}`}
            showStats
            showDetails={false}
            showError={false}
          />
          <DeployChecklist execution={execution} />
        </>
      )}
      <div role="status" aria-live="polite">
        {isSuccess && (
          <p className="success-text">
            <strong>Deployment completed!</strong> Opening its page…
          </p>
        )}
      </div>
      {isFailed && execution && (
        <p className="field-error" role="alert">
          <strong>Deployment failed:</strong> {execution.error || execution.message || execution.status}
        </p>
      )}
      <button type="button" className="button button-small" aria-expanded={showLogs} onClick={() => setShowLogs((v) => !v)}>
        {showLogs ? 'Hide live logs' : 'Show live logs'}
      </button>
      {showLogs && <LogPanel executionId={accepted.execution_id} title="Deployment logs" />}
    </section>
  );
}

function useRedirectAfterSuccess(success: boolean, to: string) {
  const navigate = useNavigate();
  useEffect(() => {
    if (!success) return;
    const timer = setTimeout(() => void navigate(to), REDIRECT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [success, to, navigate]);
}
