import type { CrmProvider } from './lifecycle.js';

export interface LeadKey {
  provider: CrmProvider;
  objectType: string;
  id: string;
}

export function leadIdOf(key: LeadKey): string {
  return `${key.provider}:${key.objectType}:${key.id}`;
}

export function parseLeadId(leadId: string): LeadKey {
  const [provider, objectType, ...rest] = leadId.split(':');
  if ((provider !== 'hubspot' && provider !== 'salesforce') || !objectType || rest.length === 0) {
    throw new Error(`not a Baton lead id: ${leadId}`);
  }
  return { provider, objectType, id: rest.join(':') };
}
