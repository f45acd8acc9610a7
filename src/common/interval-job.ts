import type { Logger } from '@nestjs/common';

/**
 * One round of a periodic job, as the scheduler calls it on every tick: a tick that comes while
 * the previous round still runs is skipped (a job never overlaps itself), and each round logs
 * what it did (only when some count in its report is above 0) or why it failed. Each app instance
 * ticks on its own: the work itself must be safe to run concurrently (row locks with SKIP LOCKED,
 * unique keys).
 */
export function nonOverlappingRound(
  logger: Pick<Logger, 'log' | 'error'>,
  name: string,
  work: () => Promise<object>,
): () => void {
  let running = false;
  return () => {
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
  };
}

/**
 * Runs `work` every `seconds` (0 disables) as `nonOverlappingRound` does. Returns the stop
 * function. Only for timers outside the job scheduler (src/common/scheduler), which starts the
 * scheduled jobs.
 */
export function startIntervalJob(
  seconds: number,
  logger: Pick<Logger, 'log' | 'error'>,
  name: string,
  work: () => Promise<object>,
): () => void {
  if (seconds === 0) return () => undefined;
  const timer = setInterval(nonOverlappingRound(logger, name, work), seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
