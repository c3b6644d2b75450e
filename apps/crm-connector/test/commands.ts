import { randomUUID } from 'node:crypto';
import { Topics, type CrmCommand } from '@baton/domain';
import { EventPublisher, createKafka } from '@baton/kafka';
import type { TestEnv } from '@baton/testing';

type Changes = Extract<CrmCommand, { action: 'update_lead' }>['changes'];

export function updateLead(
  provider: 'hubspot' | 'salesforce',
  id: string,
  changes: Changes,
  issuedBy = 'baton/scoring',
  commandId = randomUUID(),
): CrmCommand {
  const objectType = provider === 'hubspot' ? 'contact' : 'Lead';
  return {
    commandId,
    leadId: `${provider}:${objectType}:${id}`,
    crm: { provider, objectType, id },
    issuedBy,
    issuedAt: new Date().toISOString(),
    action: 'update_lead',
    changes,
  };
}

/** Publishes commands the way scoring, routing and sla do. */
export async function publishCommands(
  env: TestEnv,
  commands: CrmCommand[],
  source = 'baton/scoring',
): Promise<void> {
  const kafka = createKafka({
    brokers: env.KAFKA_BROKERS,
    clientId: 'baton-test-commands',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  const publisher = new EventPublisher(kafka, source);
  await publisher.connect();
  try {
    for (let i = 0; i < commands.length; i += 500) {
      await publisher.publish(
        commands.slice(i, i + 500).map((c) => ({ topic: Topics.CrmCommand, subject: c.leadId, data: c })),
      );
    }
  } finally {
    await publisher.disconnect();
  }
}

/** The largest number of timestamps inside any window of `windowMs` (sliding). */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export function enrolNurture(provider: 'hubspot' | 'salesforce', id: string, program: string): CrmCommand {
  const objectType = provider === 'hubspot' ? 'contact' : 'Lead';
  return {
    commandId: randomUUID(),
    leadId: `${provider}:${objectType}:${id}`,
    crm: { provider, objectType, id },
    issuedBy: 'baton/scoring',
    issuedAt: new Date().toISOString(),
    action: 'enrol_nurture',
    program,
  };
}
