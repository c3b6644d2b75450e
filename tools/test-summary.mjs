// Prints the suite's totals from vitest's JSON report as one line: "N passed, N failed[, N skipped]".
// Files that failed to load count as failed tests, so a broken spec file cannot pass unseen.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/vitest.json';
if (!existsSync(file)) {
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const brokenFiles = (r.testResults ?? []).filter(
  (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
).length;
const passed = r.numPassedTests ?? 0;
const failed = (r.numFailedTests ?? 0) + brokenFiles;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
