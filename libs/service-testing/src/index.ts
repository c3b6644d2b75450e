export * from './test-service.js';
export * from './topics.js';
