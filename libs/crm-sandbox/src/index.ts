export * from './hubspot.js';
export { HUBSPOT_INDUSTRIES } from './hubspot-industries.js';
export { hubspotSignatureUri, signHubSpotV3, signHubSpotV1 } from './hubspot-signature.js';
export type { RecordedRequest } from './http.js';
export * from './salesforce.js';
export * from './salesforce-schema.js';
export { CDC_CHANNELS } from './cometd.js';
export { parseSoql, SoqlError } from './soql.js';
export * from './standalone.js';
