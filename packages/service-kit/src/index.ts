export * from './client-protocol.js';
export * from './data-dir.js';
export * from './files.js';
export * from './http-errors.js';
export * from './listen.js';
export * from './static-site.js';
export * from './test-clock.js';
