export * from './bootstrap.js';
export * from './config.js';
export * from './health.js';
export * from './policy.js';
export * from './runtime.js';
export * from './runtime.module.js';
export * from './migrate.js';
export * from './clock.js';
