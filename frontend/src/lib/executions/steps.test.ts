import { describe, expect, it } from 'vitest';

import { namedSteps, stepSeconds, stepStates } from './steps';

const at = (status: string, current_step: number, is_active: boolean) => ({
  status,
  current_step,
  total_steps: 4,
  is_active,
});

describe('stepStates', () => {
  it('checks the steps before the current one and runs the current one', () => {
    expect(stepStates(at('PROGRESS', 2, true))).toEqual(['completed', 'running', 'pending', 'pending']);
  });

  it('marks where a failed task stopped, a cancelled one neutrally, and the rest skipped', () => {
    expect(stepStates(at('FAILURE', 3, false))).toEqual(['completed', 'completed', 'failed', 'skipped']);
    expect(stepStates(at('REVOKED', 1, false), 2)).toEqual(['cancelled', 'skipped']);
    expect(stepStates(at('SUCCESS', 2, false))).toEqual(['completed', 'completed', 'completed', 'completed']);
  });
});

describe('namedSteps', () => {
  const steps = [
    { index: 1, name: 'Connect', status: 'done', started_at: '2025-01-16T10:30:00Z', finished_at: '2025-01-16T10:30:02.5Z' },
    { index: 2, name: 'Step 2', status: 'running', started_at: '2025-01-16T10:30:02.5Z', finished_at: null },
  ];

  it('names steps by the module’s plan, else the server, else by number', () => {
    expect(namedSteps({ ...at('PROGRESS', 2, true), steps }).map((step) => step.name)).toEqual([
      'Connect',
      'Step 2',
      'Step 3',
      'Step 4',
    ]);
    const named = namedSteps({ ...at('PROGRESS', 2, true), steps }, ['Connect to vCenter', 'Clone', 'Configure']);
    expect(named.map((step) => step.name)).toEqual(['Connect to vCenter', 'Clone', 'Configure', 'Step 4']);
    expect(named.map((step) => step.state)).toEqual(['completed', 'running', 'pending', 'pending']);
  });

  it('follows the live current step even when the server’s steps are older', () => {
    const named = namedSteps({ ...at('FAILURE', 3, false), steps });
    expect(named.map((step) => step.state)).toEqual(['completed', 'completed', 'failed', 'skipped']);
  });

  it('times finished steps exactly and the running one to now', () => {
    const [first, second] = namedSteps({ ...at('PROGRESS', 2, true), steps });
    expect(first && stepSeconds(first, 0)).toBe(2.5);
    expect(second && stepSeconds(second, Date.parse('2025-01-16T10:30:06.5Z'))).toBe(4);
  });
});
