// Prints the one closing line CI reads, "N passed, N failed, N skipped", from the JSON reports of
// vitest (reports/unit.json) and Playwright (reports/e2e.json). A missing report counts as one failure,
// so a run that stopped early (type-check, lint, build) can never look green.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null);

const unit = read('reports/unit.json');
if (unit) {
  passed += unit.numPassedTests;
  failed += unit.numFailedTests;
  skipped += unit.numPendingTests + unit.numTodoTests;
} else failed += 1;

const e2e = read('reports/e2e.json');
if (e2e) {
  passed += e2e.stats.expected + e2e.stats.flaky;
  failed += e2e.stats.unexpected;
  skipped += e2e.stats.skipped;
} else failed += 1;

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
