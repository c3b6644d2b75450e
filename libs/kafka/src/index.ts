export * from './client.js';
export * from './coalescer.js';
export * from './consumer.js';
export * from './errors.js';
export * from './headers.js';
export * from './provisioning.js';
export * from './publisher.js';
export * from './retry.js';
