export * from './clock.js';
export * from './dates.js';
export * from './errors.js';
export * from './fingerprint/factors.js';
export * from './ids.js';
export * from './license.js';
export * from './protocol.js';
export * from './leasing/index.js';
