import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics, type EventOf } from '@baton/domain';
import type { EventPublisher } from '@baton/kafka';
import { killSpawnedServices, spawnService, type TestService } from '@baton/service-testing';
import { dropSchema, isolatedEnv, kafkaFor, query, readTopic } from '@baton/testing';
import { deliveryId } from '../src/delivery/delivery-key.js';
import {
  assignedEvent,
  fakeEnv,
  leadAssigned,
  startFakes,
  startNotification,
  upstream,
  type Fakes,
} from './harness.js';

let fakes: Fakes;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  fakes = await startFakes();
});

afterAll(async () => {
  killSpawnedServices();
  for (const stop of stops.reverse()) await stop();
  await fakes?.close();
});

const dmsWith = (id: string) =>
  fakes.slack.messages.filter((m) => m.metadata?.event_payload.delivery_id === id);
const postsWith = (id: string) =>
  fakes.slack.calls.filter(
    (c) => c.method === 'chat.postMessage' && JSON.stringify(c.args.metadata ?? '').includes(id),
  );

describe('exactly once across processes', () => {
  it('two replicas in one group: every alert is posted once', async () => {
    const base = isolatedEnv('notification2r');
    stops.push(() => dropSchema(base.DATABASE_SCHEMA!));
    const a: TestService = await startNotification(base, fakes);
    stops.push(() => a.stop());
    const b: TestService = await startNotification(base, fakes);
    stops.push(() => b.stop());
    const routing: EventPublisher = await upstream(base, 'routing');
    stops.push(() => routing.disconnect());
    const events = Array.from({ length: 30 }, (_, i) => assignedEvent(leadAssigned(100 + i)));
    // Everything twice: a redelivery on top of the two replicas.
    await routing.publish([...events, ...events]);
    const ids = events.map((e) => deliveryId(e.id!, 'ana.silva', 'slack', 'assignment_alert'));
    await fakes.slack.waitFor(() => ids.every((id) => dmsWith(id).length > 0), 90_000, 'all 30 alerts');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(ids.map((id) => dmsWith(id).length)).toEqual(ids.map(() => 1));
    expect(ids.map((id) => postsWith(id).length)).toEqual(ids.map(() => 1));
    const rows = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${base.DATABASE_SCHEMA}.delivery WHERE purpose = 'assignment_alert' AND status = 'delivered'`,
    );
    expect(rows[0].n).toBe(30);
  }, 180_000);

  it('SIGKILL between the Slack call and the record: the restarted service finds the DM and does not post again', async () => {
    const base = isolatedEnv('notificationkill');
    stops.push(() => dropSchema(base.DATABASE_SCHEMA!));
    const main = fileURLToPath(new URL('./crash-after-post.main.ts', import.meta.url));
    const crashing = spawnService(main, base, { ...fakeEnv(fakes), NOTIFICATION_LEASE_MS: '1000' });
    await crashing.ready(90_000);
    const routing = await upstream(base, 'routing');
    stops.push(() => routing.disconnect());
    const event = assignedEvent(leadAssigned(200));
    await routing.publish([event]);
    const exit = await crashing.exited;
    expect(exit.signal).toBe('SIGKILL');
    const id = deliveryId(event.id!, 'ana.silva', 'slack', 'assignment_alert');
    expect(dmsWith(id)).toHaveLength(1);
    const [claimed] = await query<{ status: string }>(
      `SELECT status FROM ${base.DATABASE_SCHEMA}.delivery WHERE id = $1`,
      [id],
    );
    expect(claimed.status).toBe('sending');

    const restarted = await startNotification(base, fakes, { env: { NOTIFICATION_LEASE_MS: '1000' } });
    stops.push(() => restarted.stop());
    const kafka = kafkaFor(base);
    const seen = await readTopic(kafka, Topics.NotificationSent, {
      until: (s) => s.some((m) => m.json<{ data: { notificationId: string } }>().data.notificationId === id),
      timeoutMs: 90_000,
    });
    const receipt = seen
      .map((m) => m.json<{ data: EventOf<typeof Topics.NotificationSent> }>().data)
      .find((r) => r.notificationId === id)!;
    expect(receipt).toMatchObject({
      status: 'delivered',
      channel: 'slack',
      providerMessageId: dmsWith(id)[0].ts,
    });
    expect(fakes.slack.calls.some((c) => c.method === 'conversations.history')).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(dmsWith(id)).toHaveLength(1);
    expect(postsWith(id)).toHaveLength(1);
  }, 180_000);
});
