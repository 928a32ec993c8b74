export * from './password-gate.js';
export * from './ports.js';
export * from './session-engine.js';
export * from './session-http.js';
