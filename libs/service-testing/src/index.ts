export * from './test-service.js';
export * from './topics.js';
export * from './spawn.js';
