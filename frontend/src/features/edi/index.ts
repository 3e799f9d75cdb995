// features/edi/: EDI invoice imports: upload, the live gauge of an import, its files, the import
// history and the invoices.
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { EdiPage } from './components/edi-page';
