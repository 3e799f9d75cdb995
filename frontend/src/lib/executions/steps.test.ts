import { describe, expect, it } from 'vitest';

import { stepStates } from './steps';

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

  it('marks the step a failed or cancelled task stopped at, and all of a success', () => {
    expect(stepStates(at('FAILURE', 3, false))).toEqual(['completed', 'completed', 'failed', 'pending']);
    expect(stepStates(at('REVOKED', 1, false), 2)).toEqual(['failed', 'pending']);
    expect(stepStates(at('SUCCESS', 2, false))).toEqual(['completed', 'completed', 'completed', 'completed']);
  });
});
