import { describe, expect, it } from 'vitest';
import { PolicyError, parsePolicy } from '@baton/platform';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUNDLED_POLICY_DIR,
  NotificationPolicySchema,
  POLICY_FILE,
  TEMPLATES_FILE,
  loadNotificationPolicy,
} from './policy.js';

describe('the notification policy', () => {
  it('loads the bundled sample and templates, versioned by their content', () => {
    const loaded = loadNotificationPolicy(BUNDLED_POLICY_DIR);
    expect(loaded.policy.introEmail.delayMinutes).toBe(5);
    expect(loaded.templates.policy.intro.length).toBeGreaterThan(0);
    expect(loaded.version).toMatch(/^1\+[0-9a-f]{12}\/1\+[0-9a-f]{12}$/);
  });

  it('names the file and the bad key', () => {
    const text = readFileSync(join(BUNDLED_POLICY_DIR, POLICY_FILE), 'utf8').replace(
      'topSignals: 3',
      'topSignals: -1',
    );
    const parse = () => parsePolicy(POLICY_FILE, text, NotificationPolicySchema);
    expect(parse).toThrow(PolicyError);
    expect(parse).toThrow(/notification\.yaml[\s\S]*alerts\.topSignals/);
  });

  it('refuses an intro template with a placeholder the service does not fill', () => {
    const dir = mkdtempSync(join(tmpdir(), 'notification-policy-'));
    writeFileSync(join(dir, POLICY_FILE), readFileSync(join(BUNDLED_POLICY_DIR, POLICY_FILE)));
    writeFileSync(
      join(dir, TEMPLATES_FILE),
      readFileSync(join(BUNDLED_POLICY_DIR, TEMPLATES_FILE), 'utf8').replace(
        '{{company|Your}}',
        '{{compnay}}',
      ),
    );
    expect(() => loadNotificationPolicy(dir)).toThrow(
      /templates\.yaml[\s\S]*unknown placeholder \{\{compnay\}\}/,
    );
  });
});
