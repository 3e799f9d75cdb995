// features/deploy/: VM deployments: the /deploy page (form, live progress, history) and a
// deployment's own page.
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { DeployPage } from './components/deploy-page';
export { DeploymentDetail } from './components/deployment-detail';
