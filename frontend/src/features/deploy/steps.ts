/** Seed 000's eight deployment steps, in order (the task reports current_step 1..8). */
export const DEPLOY_STEPS = [
  'Connect to vCenter',
  'Clone from template',
  'Configure hardware',
  'Configure network',
  'Power on',
  'Wait for guest tools and IP',
  'Post-configuration',
  'Verify',
] as const;
