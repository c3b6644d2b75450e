// Waits until the broker answers metadata requests and can create a topic,
// then prints the broker's version as reported by the log. Exit 1 on timeout.
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.argv[2] ?? '127.0.0.1:19092').split(',');
const deadline = Date.now() + Number(process.argv[3] ?? 90) * 1000;
const kafka = new Kafka({
  clientId: 'baton-infra',
  brokers,
  logLevel: logLevel.NOTHING,
  retry: { retries: 0 },
});

for (;;) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: '__baton_ready', numPartitions: 1 }],
      waitForLeaders: true,
    });
    await admin.listTopics();
    await admin.disconnect();
    process.exit(0);
  } catch {
    await admin.disconnect().catch(() => undefined);
    if (Date.now() > deadline) {
      console.error(`kafka at ${brokers.join(',')} not ready in time`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
