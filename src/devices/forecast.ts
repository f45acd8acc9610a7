export interface BatteryReading {
  at: Date;
  percent: number;
}

export type BatteryForecast =
  | { daysUntil10Percent: number; at10PercentOn: string; drainPerDay: number; readings: number }
  | { daysUntil10Percent: null; reason: string; readings: number };

const DAY = 86_400_000;

/**
 * Days until the battery reaches 10%, by a least-squares line through the
 * recent readings. Readings after a jump up (new batteries) start a new
 * series: only the readings since the last replacement count.
 */
export function forecastBattery(readings: BatteryReading[], now: Date): BatteryForecast {
  const sorted = [...readings].sort((a, b) => a.at.getTime() - b.at.getTime());
  let start = 0;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.percent - sorted[i - 1]!.percent >= 15) start = i;
  }
  const series = sorted.slice(start);
  const n = series.length;
  if (n < 3)
    return { daysUntil10Percent: null, reason: 'fewer than 3 battery readings', readings: n };
  const spanDays = (series[n - 1]!.at.getTime() - series[0]!.at.getTime()) / DAY;
  if (spanDays < 1)
    return {
      daysUntil10Percent: null,
      reason: 'battery readings span less than a day',
      readings: n,
    };

  const t0 = series[0]!.at.getTime();
  const xs = series.map((r) => (r.at.getTime() - t0) / DAY);
  const ys = series.map((r) => r.percent);
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  if (!(slope < -1e-6))
    return { daysUntil10Percent: null, reason: 'the battery is not draining', readings: n };
  const intercept = my - slope * mx;
  const nowX = (now.getTime() - t0) / DAY;
  const levelNow = Math.min(100, intercept + slope * nowX);
  const days = Math.max(0, (levelNow - 10) / -slope);
  return {
    daysUntil10Percent: Math.round(days * 10) / 10,
    at10PercentOn: new Date(now.getTime() + days * DAY).toISOString().slice(0, 10),
    drainPerDay: Math.round(-slope * 100) / 100,
    readings: n,
  };
}
