import type { Logger } from '@nestjs/common';

/**
 * Runs `work` every `seconds` (never overlapping itself; 0 disables) and
 * logs what it did or why it failed. Returns the stop function. Each app
 * instance runs its own timer: the work itself must be safe to run
 * concurrently (row locks with SKIP LOCKED, unique keys).
 */
export function startIntervalJob(
  seconds: number,
  logger: Pick<Logger, 'log' | 'error'>,
  name: string,
  work: () => Promise<object>,
): () => void {
  if (seconds === 0) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    work()
      .then((report) => {
        if (Object.values(report).some((v) => typeof v === 'number' && v > 0))
          logger.log({ job: name, ...report }, name);
      })
      .catch((err: unknown) => logger.error({ err, job: name }, `${name} failed`))
      .finally(() => {
        running = false;
      });
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
