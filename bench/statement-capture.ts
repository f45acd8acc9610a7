/**
 * Preloaded into an app instance by the API benchmark (`node --import
 * ./dist/bench/statement-capture.js dist/src/main.js`): records every statement
 * the app's `pg` clients send while capturing is on, with its parameters as pg
 * sends them (pg's own prepareValue). SIGUSR2 toggles capturing; the state and,
 * when it stops, the statements are written to LOCKDESK_CAPTURE_FILE as JSON.
 *
 * A wrapper around pg.Client#query rather than the server's log_statement: the
 * server log of an embedded or remote PostgreSQL is not always readable, and the
 * wrapper sees the values exactly as they go on the wire.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import pg from 'pg';

export interface CapturedStatement {
  text: string;
  /** Parameters as sent: text, or null for SQL NULL. */
  values: (string | null)[];
}

export interface CaptureFile {
  state: 'on' | 'off';
  /** Epoch milliseconds when capturing started (fresh UUIDv7 ids are at or after it). */
  startedAt: number;
  statements: CapturedStatement[];
}

const file = process.env.LOCKDESK_CAPTURE_FILE;

if (file) {
  const require = createRequire(import.meta.url);
  const { prepareValue } = require('pg/lib/utils.js') as {
    prepareValue: (v: unknown) => string | Buffer | null;
  };
  let capturing = false;
  let startedAt = 0;
  let statements: CapturedStatement[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- applied below with the client as `this`
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    if (capturing) {
      const [first, second] = args;
      const config = typeof first === 'string' ? { text: first } : (first as { text?: string });
      const values =
        (Array.isArray(second) ? second : (first as { values?: unknown[] })?.values) ?? [];
      if (typeof config?.text === 'string') {
        statements.push({
          text: config.text,
          values: values.map((v) => {
            const p = prepareValue(v);
            return Buffer.isBuffer(p) ? `\\x${p.toString('hex')}` : p;
          }),
        });
      }
    }
    return original.apply(this, args);
  };
  const write = () =>
    writeFileSync(
      file,
      JSON.stringify({
        state: capturing ? 'on' : 'off',
        startedAt,
        statements,
      } satisfies CaptureFile),
    );
  process.on('SIGUSR2', () => {
    capturing = !capturing;
    if (capturing) {
      statements = [];
      startedAt = Date.now();
    }
    write();
  });
}
