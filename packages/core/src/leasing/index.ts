export * from './clock-guard.js';
export * from './policy.js';
export * from './select.js';
