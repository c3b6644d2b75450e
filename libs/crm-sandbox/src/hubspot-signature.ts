import { createHash, createHmac } from 'node:crypto';

/*
 * HubSpot request signatures, as documented in "Validating requests from HubSpot"
 * (developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests):
 * v3 = Base64( HMAC-SHA256( clientSecret, method + requestUri + rawBody + timestamp ) ), UTF-8,
 * where requestUri is the full URL HubSpot called with the characters below URL-decoded, and
 * X-HubSpot-Request-Timestamp is in milliseconds. v1 (still sent alongside for webhooks) is
 * SHA-256 hex of clientSecret + rawBody.
 */
const DECODED_IN_URI: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The requestUri as it enters the v3 signed string: only the documented characters are decoded. */
export function hubspotSignatureUri(uri: string): string {
  return uri.replace(
    /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi,
    (match) => DECODED_IN_URI[match.toUpperCase()],
  );
}

export function signHubSpotV3(
  clientSecret: string,
  method: string,
  uri: string,
  rawBody: string,
  timestamp: number,
): string {
  const source = `${method.toUpperCase()}${hubspotSignatureUri(uri)}${rawBody}${timestamp}`;
  return createHmac('sha256', clientSecret).update(source, 'utf8').digest('base64');
}

export function signHubSpotV1(clientSecret: string, rawBody: string): string {
  return createHash('sha256')
    .update(clientSecret + rawBody, 'utf8')
    .digest('hex');
}
