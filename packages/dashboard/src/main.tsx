import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { prefetch } from './api.js';
import './styles.css';

// The first screen's data, fetched while the session is checked.
if (location.pathname === '/' || location.pathname === '/licenses') prefetch('/api/v1/licenses');
prefetch('/api/v1/server');

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
