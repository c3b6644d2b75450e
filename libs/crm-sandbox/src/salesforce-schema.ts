/*
 * The slice of the Salesforce data model Baton touches: Lead, Task and CampaignMember fields as
 * the REST describe call reports them (Object Reference for Salesforce and Lightning Platform).
 */

export type SalesforceObjectName = 'Lead' | 'Task' | 'CampaignMember';

export type SalesforceFieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'combobox'
  | 'int'
  | 'double'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'reference';

export interface SalesforceField {
  name: string;
  label: string;
  type: SalesforceFieldType;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  custom: boolean;
  /** Required on create (not nillable, no default). */
  required?: boolean;
  picklistValues?: string[];
  /** Restricted picklists reject values outside picklistValues. */
  restrictedPicklist?: boolean;
  defaultValue?: string | boolean;
  referenceTo?: string[];
  length?: number;
  /** CDC nests address and name parts in compound fields (`Name.FirstName`, `Address.Country`). */
  compound?: 'Name' | 'Address';
}

export interface SalesforceCustomField {
  object: SalesforceObjectName;
  name: string;
  type: 'string' | 'textarea' | 'picklist' | 'double' | 'int' | 'boolean' | 'datetime' | 'date';
  label?: string;
  picklistValues?: string[];
  restrictedPicklist?: boolean;
}

const f = (
  name: string,
  type: SalesforceFieldType,
  extra: Partial<SalesforceField> = {},
): SalesforceField => ({
  name,
  label: name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/Id$/, 'ID'),
  type,
  createable: true,
  updateable: true,
  nillable: true,
  custom: false,
  ...extra,
});
const readOnly = { createable: false, updateable: false };
const audit = [
  f('CreatedDate', 'datetime', { ...readOnly, nillable: false }),
  f('CreatedById', 'reference', { ...readOnly, nillable: false, referenceTo: ['User'] }),
  f('LastModifiedDate', 'datetime', { ...readOnly, nillable: false }),
  f('LastModifiedById', 'reference', { ...readOnly, nillable: false, referenceTo: ['User'] }),
  f('SystemModstamp', 'datetime', { ...readOnly, nillable: false }),
  f('IsDeleted', 'boolean', { ...readOnly, nillable: false }),
];

export const LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
];

/** Salesforce's default Industry picklist (Lead and Account), as a new org has it. */
export const SALESFORCE_INDUSTRIES = [
  'Agriculture',
  'Apparel',
  'Banking',
  'Biotechnology',
  'Chemicals',
  'Communications',
  'Construction',
  'Consulting',
  'Education',
  'Electronics',
  'Energy',
  'Engineering',
  'Entertainment',
  'Environmental',
  'Finance',
  'Food & Beverage',
  'Government',
  'Healthcare',
  'Hospitality',
  'Insurance',
  'Machinery',
  'Manufacturing',
  'Media',
  'Not For Profit',
  'Other',
  'Recreation',
  'Retail',
  'Shipping',
  'Technology',
  'Telecommunications',
  'Transportation',
  'Utilities',
];

export const STANDARD_FIELDS: Record<SalesforceObjectName, SalesforceField[]> = {
  Lead: [
    f('Id', 'id', { ...readOnly, nillable: false }),
    f('Salutation', 'picklist', { picklistValues: ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'], compound: 'Name' }),
    f('FirstName', 'string', { length: 40, compound: 'Name' }),
    f('LastName', 'string', { length: 80, nillable: false, required: true, compound: 'Name' }),
    f('Name', 'string', { ...readOnly, nillable: false }),
    f('Title', 'string', { length: 128 }),
    f('Company', 'string', { length: 255, nillable: false, required: true }),
    f('Street', 'textarea', { compound: 'Address' }),
    f('City', 'string', { compound: 'Address' }),
    f('State', 'string', { compound: 'Address' }),
    f('PostalCode', 'string', { compound: 'Address' }),
    f('Country', 'string', { compound: 'Address' }),
    f('Email', 'email'),
    f('Phone', 'phone'),
    f('Website', 'url'),
    f('Description', 'textarea'),
    f('LeadSource', 'picklist', {
      picklistValues: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'],
    }),
    f('Status', 'picklist', {
      nillable: false,
      picklistValues: LEAD_STATUSES,
      restrictedPicklist: true,
      defaultValue: 'Open - Not Contacted',
    }),
    f('Industry', 'picklist', { picklistValues: SALESFORCE_INDUSTRIES }),
    f('Rating', 'picklist', { picklistValues: ['Hot', 'Warm', 'Cold'] }),
    f('NumberOfEmployees', 'int'),
    f('OwnerId', 'reference', { nillable: false, referenceTo: ['Group', 'User'] }),
    f('IsConverted', 'boolean', { ...readOnly, nillable: false, defaultValue: false }),
    f('ConvertedDate', 'date', readOnly),
    f('IsUnreadByOwner', 'boolean', { nillable: false, defaultValue: true }),
    ...audit,
  ],
  Task: [
    f('Id', 'id', { ...readOnly, nillable: false }),
    f('WhoId', 'reference', { referenceTo: ['Contact', 'Lead'] }),
    f('WhatId', 'reference', { referenceTo: ['Account', 'Opportunity', 'Campaign'] }),
    f('Subject', 'combobox', { picklistValues: ['Call', 'Send Letter', 'Send Quote', 'Other'] }),
    f('ActivityDate', 'date'),
    f('Status', 'picklist', {
      nillable: false,
      picklistValues: ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'],
      restrictedPicklist: true,
      defaultValue: 'Not Started',
    }),
    f('Priority', 'picklist', {
      nillable: false,
      picklistValues: ['High', 'Normal', 'Low'],
      restrictedPicklist: true,
      defaultValue: 'Normal',
    }),
    f('OwnerId', 'reference', { nillable: false, referenceTo: ['Group', 'User'] }),
    f('Description', 'textarea'),
    f('Type', 'picklist', { picklistValues: ['Call', 'Email', 'Meeting', 'Other'] }),
    f('TaskSubtype', 'picklist', {
      updateable: false,
      picklistValues: ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'],
    }),
    f('IsClosed', 'boolean', { ...readOnly, nillable: false, defaultValue: false }),
    f('CallType', 'picklist', { picklistValues: ['Internal', 'Inbound', 'Outbound'] }),
    f('CallDurationInSeconds', 'int'),
    f('CallDisposition', 'string'),
    ...audit,
  ],
  CampaignMember: [
    f('Id', 'id', { ...readOnly, nillable: false }),
    f('CampaignId', 'reference', {
      updateable: false,
      nillable: false,
      required: true,
      referenceTo: ['Campaign'],
    }),
    f('LeadId', 'reference', { updateable: false, referenceTo: ['Lead'] }),
    f('ContactId', 'reference', { updateable: false, referenceTo: ['Contact'] }),
    f('Status', 'picklist', {
      picklistValues: ['Planned', 'Sent', 'Received', 'Responded'],
      defaultValue: 'Sent',
    }),
    f('HasResponded', 'boolean', { ...readOnly, nillable: false, defaultValue: false }),
    ...audit,
  ],
};

export const KEY_PREFIX: Record<SalesforceObjectName | 'User' | 'Campaign' | 'Group', string> = {
  Lead: '00Q',
  Task: '00T',
  CampaignMember: '00v',
  User: '005',
  Campaign: '701',
  Group: '00G',
};

/** The 3-character case-safe suffix Salesforce appends to a 15-character id. */
export function to18(id15: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15[chunk * 5 + i];
      if (c >= 'A' && c <= 'Z') flags |= 1 << i;
    }
    suffix += alphabet[flags];
  }
  return id15 + suffix;
}

export function isSalesforceId(value: string): boolean {
  return /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(value);
}

/** Canonical 18-character form of a 15- or 18-character id. */
export function normalizeId(value: string): string {
  return value.length === 15 ? to18(value) : value;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function makeId(prefix: string, counter: number): string {
  let n = counter;
  let body = '';
  for (let i = 0; i < 7; i++) {
    body = BASE62[n % 62] + body;
    n = Math.floor(n / 62);
  }
  return to18(`${prefix}Dn000${body}`);
}

/** Salesforce stores datetimes to the second: two saves within one second share LastModifiedDate. */
export function toSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** Datetime as the REST API writes it: 2024-01-31T10:00:00.000+0000 (milliseconds always 000). */
export function sfDateTime(ms: number): string {
  return new Date(toSecond(ms)).toISOString().replace('Z', '+0000');
}

export function describeField(field: SalesforceField) {
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    custom: field.custom,
    createable: field.createable,
    updateable: field.updateable,
    nillable: field.nillable,
    defaultedOnCreate:
      field.defaultValue !== undefined ||
      [
        'CreatedDate',
        'LastModifiedDate',
        'SystemModstamp',
        'CreatedById',
        'LastModifiedById',
        'OwnerId',
        'Id',
      ].includes(field.name),
    defaultValue: field.defaultValue ?? null,
    length:
      field.length ??
      (['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'combobox'].includes(field.type)
        ? 255
        : 0),
    referenceTo: field.referenceTo ?? [],
    relationshipName: field.type === 'reference' ? field.name.replace(/Id$/, '') : null,
    restrictedPicklist: field.restrictedPicklist ?? false,
    picklistValues: (field.picklistValues ?? []).map((value) => ({
      active: true,
      defaultValue: field.defaultValue === value,
      label: value,
      validFor: null,
      value,
    })),
    compoundFieldName: field.compound ?? null,
    filterable: field.type !== 'textarea',
    sortable: field.type !== 'textarea',
    unique: false,
    externalId: false,
  };
}
