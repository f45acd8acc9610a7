import { Injectable } from '@nestjs/common';
import { ScheduledJob, type ScheduledRound } from '../../common/scheduler/scheduled-job.js';
import { LoginThrottle } from '../login-throttle.js';

/**
 * Forgets login-attempt buckets and rate-limit windows that are over, once a minute (off with the
 * other jobs when JOBS_INTERVAL_SECONDS is 0). Safe on every instance: a plain DELETE of expired rows.
 */
@Injectable()
@ScheduledJob({
  name: 'throttle sweep',
  context: 'LoginThrottle',
  seconds: (c) => (c.jobsIntervalSeconds > 0 ? 60 : 0),
})
export class ThrottleSweepJob implements ScheduledRound {
  constructor(private readonly throttle: LoginThrottle) {}

  round(): Promise<object> {
    return this.throttle.sweep();
  }
}
