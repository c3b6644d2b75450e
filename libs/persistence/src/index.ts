export * from './data-source.js';
export * from './dedupe.js';
export * from './drift.js';
export * from './housekeeper.js';
export * from './infra.migration.js';
export * from './outbox.js';
export * from './outbox-relay.js';
export * from './schema.js';
