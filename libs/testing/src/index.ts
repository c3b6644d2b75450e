export * from './env.js';
export * from './kafka.js';
export * from './postgres.js';
export * from './stats.js';
export * from './floor.js';
