import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '@baton/platform';
import { NOW, hoursAgo, profile, qualifyingJourney, sampleRules, signalOf } from '../../test/fixtures.js';
import { ScoringEnvSchema } from '../config/env.js';
import { score } from '../scoring/score.js';
import { summarizerFor } from './summarizer.provider.js';
import { LlmSummarizer } from './llm-summarizer.js';
import { DeterministicSummarizer, type JourneyFacts } from './summary.js';

const lead = 'hubspot:contact:77';
const signals = qualifyingJourney(lead).map(signalOf);
const crmProfile = profile(lead, hoursAgo(100));
const facts: JourneyFacts = {
  leadId: lead,
  signals,
  profile: crmProfile,
  profileEventId: 'profile-1',
  result: score(signals, crmProfile, sampleRules().policy, NOW),
  asOf: NOW,
};

/** What the stub answers next: a chat completion body, a status, or silence. */
type Reply = { content: unknown } | { status: number } | { hang: true };
let reply: Reply = { status: 500 };
const requests: {
  headers: IncomingMessage['headers'];
  body: { model: string; messages: { role: string; content: string }[] };
}[] = [];

let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(raw) });
      if ('hang' in reply) return; // never answers: the client must time out
      if ('status' in reply) {
        res.writeHead(reply.status).end('{"error":"boom"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(reply.content) } }],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function llm(timeoutMs = 1000) {
  return new LlmSummarizer(
    { apiUrl: url, apiKey: 'sk-test', model: 'test-model', timeoutMs },
    new DeterministicSummarizer(),
  );
}

describe('LLM summarizer against a local OpenAI-compatible stub', () => {
  it('is off by default and selected by SUMMARIZER=llm', () => {
    const base = { KAFKA_BROKERS: '127.0.0.1:19092', DATABASE_URL: 'postgres://x@127.0.0.1/db' };
    expect(summarizerFor(loadEnv(ScoringEnvSchema, base))).toBeInstanceOf(DeterministicSummarizer);
    expect(
      summarizerFor(loadEnv(ScoringEnvSchema, { ...base, SUMMARIZER: 'llm', LLM_API_URL: url })),
    ).toBeInstanceOf(LlmSummarizer);
    expect(() => loadEnv(ScoringEnvSchema, { ...base, SUMMARIZER: 'llm' })).toThrow(
      /LLM_API_URL: is required when SUMMARIZER=llm/,
    );
  });

  it("sends the lead's facts with their ids and uses an answer whose claims all cite the lead's events", async () => {
    reply = {
      content: {
        claims: [
          {
            text: 'Requested a demo two hours ago after reading the security whitepaper.',
            sourceEventIds: [`${lead}#5`, `${lead}#2`],
          },
          { text: 'VP Engineering at Acme.', sourceEventIds: ['profile-1'] },
        ],
        openingLine: 'You were reading our security whitepaper; shall we look at SSO together?',
        openingLineSourceEventIds: [`${lead}#2`],
      },
    };
    const s = await llm().summarize(facts);
    expect(s.writtenBy).toBe('llm');
    expect(s.text).toBe(
      'Requested a demo two hours ago after reading the security whitepaper. VP Engineering at Acme.',
    );
    expect(s.openingLine).toContain('security whitepaper');
    const sent = requests.at(-1)!;
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.body.model).toBe('test-model');
    const user = JSON.parse(sent.body.messages.find((m) => m.role === 'user')!.content) as {
      events: { id: string }[];
    };
    expect(user.events.map((e) => e.id)).toEqual(signals.map((x) => x.sourceEventId));
  });

  it('falls back to the deterministic summary when a claim cites an event the lead does not have', async () => {
    reply = {
      content: { claims: [{ text: 'Attended the CFO dinner in Berlin.', sourceEventIds: ['invented-1'] }] },
    };
    const s = await llm().summarize(facts);
    expect(s.writtenBy).toBe('deterministic');
    expect(s).toEqual(await new DeterministicSummarizer().summarize(facts));
  });

  it('falls back on an HTTP error, a malformed answer and a timeout', async () => {
    reply = { status: 503 };
    expect((await llm().summarize(facts)).writtenBy).toBe('deterministic');
    reply = { content: { summary: 'free text without claims' } };
    expect((await llm().summarize(facts)).writtenBy).toBe('deterministic');
    reply = { hang: true };
    const started = Date.now();
    expect((await llm(200).summarize(facts)).writtenBy).toBe('deterministic');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
