import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { createServiceDataSource } from '@baton/persistence';
import {
  BaseEnvSchema,
  ConfigError,
  loadEnv,
  policyDirOf,
  runCommand,
  schemaOf,
  type BaseEnv,
} from '@baton/platform';
import type { ScoringEnv } from './config/env.js';
import { ReviewStore } from './database/review.store.js';
import { loadScoringRules, type ScoringRules } from './policy/scoring-policy.js';
import { ReviewDate } from './review/review.controller.js';
import { ScoreReviewService } from './review/score-review.service.js';
import type { BacktestResult, Period, ScoreReview } from './review/score-review.js';
import { scoringService } from './scoring.service.js';

const USAGE = `usage:
  cli.ts validate [file]                                   check a scoring policy (default: $BATON_POLICY_DIR/scoring.yaml)
  cli.ts review --from YYYY-MM-DD --to YYYY-MM-DD [--json]  conversion by score band, SQL -> opportunity, best threshold
  cli.ts backtest <candidate.yaml> --from ... --to ... [--json]  replay stored history against a candidate rules file`;

/** A rules file given on the command line, or the service's policy (BATON_POLICY_DIR or the bundled one). */
function rulesFrom(file: string | undefined): ScoringRules {
  if (file) return loadScoringRules(dirname(file), basename(file));
  // Only BATON_POLICY_DIR matters here (validate needs no broker or database settings).
  const env = loadEnv(BaseEnvSchema.pick({ BATON_POLICY_DIR: true })) as ScoringEnv;
  return scoringService.policy!.load(policyDirOf(scoringService as never, env)!, env);
}

function period(values: { from?: string; to?: string }): Period {
  const from = ReviewDate.safeParse(values.from);
  const to = ReviewDate.safeParse(values.to);
  if (!from.success || !to.success)
    throw new ConfigError(['--from and --to are required dates (YYYY-MM-DD)']);
  return { from: new Date(from.data), to: new Date(to.data) };
}

/** The score review over the service's schema, with DATABASE_URL / DATABASE_SCHEMA only (no Kafka). */
async function withReviews<T>(work: (reviews: ScoreReviewService) => Promise<T>): Promise<T> {
  const rules = rulesFrom(undefined);
  const env = loadEnv(BaseEnvSchema.pick({ DATABASE_URL: true, DATABASE_SCHEMA: true })) as BaseEnv;
  const db = createServiceDataSource({
    url: env.DATABASE_URL,
    schema: schemaOf(scoringService, env),
    entities: scoringService.entities,
  });
  await db.initialize();
  try {
    return await work(new ScoreReviewService(new ReviewStore(db), rules));
  } finally {
    await db.destroy();
  }
}

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

export function formatReview(r: ScoreReview): string {
  const lines = [
    `Score review ${r.period.from.slice(0, 10)} .. ${r.period.to.slice(0, 10)}: ${r.leads} leads, ${r.converted} became opportunities`,
    '',
    'band      leads  converted  rate',
  ];
  for (const b of r.bands)
    lines.push(
      `${b.band.padEnd(9)} ${String(b.leads).padStart(5)}  ${String(b.converted).padStart(9)}  ${pct(b.conversionRate).padStart(6)}`,
    );
  lines.push(
    '',
    `SQLs: ${r.sql.qualifications} qualifications of ${r.sql.leads} leads; ${r.sql.becameOpportunity} became opportunities (${pct(r.sql.conversionRate)})`,
  );
  const thresholdLine = (label: string, f: ScoreReview['bestThreshold']) =>
    f
      ? `${label} ${f.threshold}: catches ${pct(f.recall)} of converters, ${pct(f.falsePositiveRate)} of the others, precision ${pct(f.precision)}`
      : `${label}: not enough conversions to tell`;
  lines.push(
    thresholdLine('current threshold', r.currentThreshold),
    thresholdLine('best separating threshold', r.bestThreshold),
  );
  if (r.disqualifications.length)
    lines.push(
      '',
      'disqualifications: ' +
        r.disqualifications.map((d) => `${d.reason} -> ${d.outcome}: ${d.count}`).join(', '),
    );
  return lines.join('\n');
}

export function formatBacktest(r: { current: BacktestResult; candidate: BacktestResult }): string {
  const row = (label: string, b: BacktestResult) =>
    `${label.padEnd(10)} ${b.rulesVersion.padEnd(24)} ${String(b.sqls).padStart(5)} ${String(b.sqlsConverted).padStart(10)} ${pct(b.precision).padStart(9)} ${String(b.convertersMissed).padStart(7)}`;
  return [
    `Backtest over ${r.current.leads} leads`,
    'rules      version                    SQLs  converted precision  missed',
    row('current', r.current),
    row('candidate', r.candidate),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [command, file] = positionals;
  switch (command) {
    case 'validate': {
      const rules = rulesFrom(file);
      const p = rules.policy;
      console.log(
        `${rules.file}: valid (version ${rules.version}; ${p.engagementRules.length} engagement rules, ${p.fitRules.length} fit rules, SQL at ${p.thresholds.sql} with ${p.thresholds.minHighIntentSignals} high-intent signals)`,
      );
      return 0;
    }
    case 'review': {
      const report = await withReviews((r) => r.review(period(values)));
      console.log(values.json ? JSON.stringify(report, null, 2) : formatReview(report));
      return 0;
    }
    case 'backtest': {
      if (!file) throw new ConfigError(['backtest needs a candidate rules file']);
      const candidate = rulesFrom(file);
      const report = await withReviews((r) => r.backtest(period(values), candidate));
      console.log(values.json ? JSON.stringify(report, null, 2) : formatBacktest(report));
      return 0;
    }
    default:
      console.error(USAGE);
      return 64;
  }
}

// An invalid policy exits 1 (what CI checks of a candidate rules file expect), usage 64, configuration 78.
await runCommand('scoring.cli', () => main(process.argv.slice(2)), { policyErrorExit: 1 });
