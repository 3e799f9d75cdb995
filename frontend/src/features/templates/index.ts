// features/templates/: task templates, each launchable with a form built from its parameter
// schema.
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { TemplatesPage } from './components/templates-page';
