export * from './hubspot.js';
export { hubspotSignatureUri, signHubSpotV3, signHubSpotV1 } from './hubspot-signature.js';
export type { RecordedRequest } from './http.js';
