import { names } from '@nx/devkit';
import {
  ALL_TOPICS,
  Contracts,
  topicsConsumedBy,
  topicsProducedBy,
  type TopicName,
  Topics,
} from '@baton/domain';
import { consumerEnvNames, consumerEnvSchema, envPrefix } from '@baton/platform';

/** The options of `nx g @baton/tools:service` (schema.json describes them). */
export interface ServiceGeneratorSchema {
  name: string;
  consumes?: string;
  feature?: string;
  directory?: string;
  projectName?: string;
  skipInstall?: boolean;
}

/** A wrong option, said so that the person running the generator can fix it. */
export class GeneratorError extends Error {
  override name = 'GeneratorError';
}

export const REGISTRY_FILE = 'libs/domain/src/topics.ts';

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Folders of src/ that the layout gives a meaning already. */
const RESERVED_FEATURES = new Set(['config', 'policy', 'database', 'test']);

export interface ServiceOptions {
  /** The service's name: registry key, consumer group, schema, CloudEvents source. */
  name: string;
  /** Notification, notification, NOTIFICATION (env prefix). */
  className: string;
  propertyName: string;
  envPrefix: string;
  projectName: string;
  projectRoot: string;
  /** The topic the generated consumer handles, its key in `Topics` and the service that publishes it. */
  topic: TopicName;
  topicKey: string;
  topicProducer: string;
  /** Everything the registry lists the service as consuming / producing. */
  consumes: TopicName[];
  produces: TopicName[];
  /** The feature folder (sales concept) holding the consumer, the decision and the route. */
  feature: string;
  featureClass: string;
  featureProperty: string;
  featureTable: string;
  /** `<SERVICE>_CONSUMER_*`, from the kit. */
  consumerSettings: { name: string; meaning: string; default: string }[];
  /** The service's own example setting. */
  limitSetting: string;
  migrationTimestamp: number;
  skipInstall: boolean;
}

/** `lead.assigned.v1` → `lead-assigned`. */
export function featureOf(topic: TopicName): string {
  return topic.replace(/\.v\d+$/, '').replace(/[._]/g, '-');
}

/**
 * Checks the options against the contract registry and derives every name the templates use.
 * `now` stamps the migration (its class name and file name).
 */
export function normalizeOptions(schema: ServiceGeneratorSchema, now: number): ServiceOptions {
  const name = schema.name?.trim() ?? '';
  if (!KEBAB.test(name)) {
    throw new GeneratorError(
      `service name "${name}" must be kebab-case (lower-case letters and digits, words joined by -), e.g. notification`,
    );
  }
  const consumes = topicsConsumedBy(name);
  if (consumes.length === 0) {
    throw new GeneratorError(
      `the contract registry (${REGISTRY_FILE}) lists no topic consumed by "${name}": add "${name}" to the consumers of the topics it handles first`,
    );
  }
  let topic = consumes[0];
  if (schema.consumes !== undefined) {
    const wanted = schema.consumes.trim();
    if (!(ALL_TOPICS as readonly string[]).includes(wanted)) {
      throw new GeneratorError(
        `--consumes ${wanted} is not a topic of the contract registry (${REGISTRY_FILE}); ${name} consumes ${consumes.join(', ')}`,
      );
    }
    if (!(consumes as string[]).includes(wanted)) {
      throw new GeneratorError(
        `the contract registry (${REGISTRY_FILE}) does not list "${name}" as a consumer of ${wanted}; it consumes ${consumes.join(', ')}`,
      );
    }
    topic = wanted as TopicName;
  }
  const feature = schema.feature?.trim() || featureOf(topic);
  if (!KEBAB.test(feature) || RESERVED_FEATURES.has(feature)) {
    throw new GeneratorError(
      `feature "${feature}" must be kebab-case and not one of ${[...RESERVED_FEATURES].join(', ')}`,
    );
  }
  const projectName = schema.projectName?.trim() || name;
  if (!KEBAB.test(projectName)) throw new GeneratorError(`project name "${projectName}" must be kebab-case`);
  const projectRoot = (schema.directory?.trim() || `apps/${name}`).replace(/\\/g, '/').replace(/\/+$/, '');
  if (projectRoot.startsWith('/') || projectRoot.split('/').includes('..')) {
    throw new GeneratorError(`--directory ${projectRoot} must be a path inside the workspace`);
  }
  const topicKey = Object.entries(Topics).find(([, t]) => t === topic)![0];
  const n = names(name);
  const f = names(feature);
  return {
    name,
    className: n.className,
    propertyName: n.propertyName,
    envPrefix: envPrefix(name),
    projectName,
    projectRoot,
    topic,
    topicKey,
    topicProducer: Contracts[topic].producers[0] ?? 'upstream',
    consumes,
    produces: topicsProducedBy(name),
    feature,
    featureClass: f.className,
    featureProperty: f.propertyName,
    featureTable: feature.replace(/-/g, '_'),
    consumerSettings: consumerSettingsOf(name),
    limitSetting: `${envPrefix(name)}_HISTORY_LIMIT`,
    migrationTimestamp: now,
    skipInstall: schema.skipInstall === true,
  };
}

/** The kit's `<SERVICE>_CONSUMER_*` settings of a service, with their defaults, for its README. */
export function consumerSettingsOf(service: string): ServiceOptions['consumerSettings'] {
  const d = consumerEnvSchema(service).parse({});
  const known: Record<string, [string, string | number]> = {
    GROUP: ['consumer group (the topic prefix goes before it)', `\`${d.group}\``],
    BATCH: ['most messages one batch handler call gets', d.batch],
    CONCURRENCY: ['partition batches handled at once', d.concurrency],
    TRANSACTIONS: ['coalesced batch calls (one transaction each) in flight at once', d.transactions],
    SESSION_TIMEOUT_MS: [
      'how long the group waits for a silent replica before giving its partitions away',
      d.sessionTimeoutMs,
    ],
    RETRY_ATTEMPTS: ['handler attempts before a message is dead-lettered', d.retryAttempts],
  };
  const prefix = `${envPrefix(service)}_CONSUMER_`;
  return consumerEnvNames(service).map((name) => {
    const [meaning, value] = known[name.slice(prefix.length)] ?? ['see libs/platform/README.md', ''];
    return { name, meaning, default: String(value) };
  });
}
