/**
 * `npm run lint:openapi`: lints the OpenAPI document (written by `node dist/src/app.openapi.js`,
 * no database needed) with Redocly's `recommended` ruleset and fails on any error or warning
 * (Redocly itself fails only on errors). No network: telemetry and update checks are off.
 */
import { execFileSync } from 'node:child_process';

const file = process.argv[2] ?? 'dist/openapi.json';
const env = {
  ...process.env,
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
};
let out;
try {
  out = execFileSync(
    'npx',
    ['--no-install', 'redocly', 'lint', file, '--extends', 'recommended', '--format', 'json'],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
} catch (err) {
  out = err.stdout ?? '';
}
const report = JSON.parse(out.slice(out.indexOf('{')));
const { errors, warnings } = report.totals;
for (const p of report.problems ?? [])
  console.log(`${p.severity} ${p.ruleId}: ${p.message} (${p.location?.[0]?.pointer ?? ''})`);
console.log(
  `OpenAPI document ${file}: ${errors} errors, ${warnings} warnings (redocly recommended)`,
);
if (errors + warnings > 0) process.exit(1);
