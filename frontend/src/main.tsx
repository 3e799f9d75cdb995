// src/: the TaskPulse single-page app: app/ wires it, features/ holds its pages, components/,
// hooks/ and lib/ what they share.

import { createRoot } from 'react-dom/client';

import { App } from './app/app';
import './index.css';

const container = document.getElementById('root');
if (!container) throw new Error('TaskPulse: #root element missing from index.html');

createRoot(container).render(<App />);
