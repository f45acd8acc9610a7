/**
 * What the engine knows about the device and its situation, gathered once per diagnosis:
 * hard constraints (which causes are possible at all), telemetry readings as likelihood
 * ratios, and the symptoms that count as evidence.
 */
import {
  CAUSE_POS,
  type CauseCode,
  N_CAUSES,
  N_SYMPTOMS,
  type PowerSource,
  type Protocol,
  SYMPTOM_POS,
  type StepCode,
  type SymptomCode,
} from './codes.js';
import type { DiagnosisInput, ExcludedCause } from './types.js';
import { filled } from './planning.js';
import { compareVersions } from './version.js';

export interface Context {
  power: PowerSource | undefined;
  protocolsKnown: boolean;
  wifiPossible: boolean;
  bluetoothPossible: boolean;
  hubPossible: boolean;
  protocolInUse: Protocol | undefined;
  hasKeyCylinder: boolean | undefined;
  hasKeypad: boolean | undefined;
  hasBackupPower: boolean | undefined;
  hasFingerprint: boolean | undefined;
  batteryPercent: number | undefined;
  batteryFrom: 'telemetry' | 'report';
  /** From telemetry, or inferred from a stale or fresh lastSeenAt. */
  online: boolean | undefined;
  onlineInferred: boolean;
  hoursSinceSeen: number | undefined;
  firmwareBehind: boolean | undefined;
  firmwareText: string | undefined;
  inWarranty: boolean | undefined;
  warrantyText: string | undefined;
  /** 1 where the symptom counts as evidence. */
  present: Uint8Array;
  lockedOut: boolean;
  /** 1 where a hard device constraint rules the cause out. */
  excluded: Uint8Array;
  excludedList: ExcludedCause[];
  /** Step efficacy raised by details of the report (see TextExtraction.stepHints). */
  fixBoosts: { step: StepCode; cause: CauseCode; fix: number }[];
}

const HUB_PROTOCOLS: readonly Protocol[] = ['zigbee', 'zwave', 'thread'];

function has(symptoms: readonly SymptomCode[], s: SymptomCode): boolean {
  return symptoms.includes(s);
}

function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

function finite(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** versionBehind's answers: a fleet reports a handful of version pairs (bounded, as a memo). */
const BEHIND_MEMO = new Map<string, boolean>();
const BEHIND_MEMO_LIMIT = 10_000;

/** compareVersions(firmware, latest) < 0, remembered per pair (the BigInt parse is the cost). */
function versionBehind(firmware: string, latest: string): boolean {
  const key = `${firmware.length}:${firmware}${latest}`;
  let behind = BEHIND_MEMO.get(key);
  if (behind === undefined) {
    behind = compareVersions(firmware, latest) < 0;
    if (BEHIND_MEMO.size >= BEHIND_MEMO_LIMIT) BEHIND_MEMO.clear();
    BEHIND_MEMO.set(key, behind);
  }
  return behind;
}

export function buildContext(
  input: DiagnosisInput,
  symptoms: readonly SymptomCode[],
  textBatteryPercent: number | undefined,
  notes: string[],
): Context {
  const device = input.device ?? {};
  const tel = input.telemetry ?? {};
  const protocols = new Set<Protocol>(device.protocols ?? []);
  if (device.protocol !== undefined) protocols.add(device.protocol);
  const known = protocols.size > 0;

  let batteryPercent = finite(tel.batteryPercent);
  let batteryFrom: Context['batteryFrom'] = 'telemetry';
  if (batteryPercent === undefined && textBatteryPercent !== undefined) {
    batteryPercent = textBatteryPercent;
    batteryFrom = 'report';
  }
  if (batteryPercent !== undefined) batteryPercent = Math.min(100, Math.max(0, batteryPercent));

  const now = parseTime(input.now);
  const lastSeen = parseTime(tel.lastSeenAt);
  const hoursSinceSeen =
    now !== undefined && lastSeen !== undefined
      ? Math.max(0, (now - lastSeen) / 3_600_000)
      : undefined;
  let online = tel.online;
  let onlineInferred = false;
  if (online === undefined && hoursSinceSeen !== undefined) {
    if (hoursSinceSeen > 24) online = false;
    else if (hoursSinceSeen < 1) online = true;
    onlineInferred = online !== undefined;
  }

  let firmwareBehind = device.firmwareBehindLatest;
  let firmwareText: string | undefined;
  if (firmwareBehind !== undefined) {
    firmwareText = firmwareBehind ? 'firmware behind the latest' : 'firmware up to date';
  } else if (tel.firmwareVersion && tel.latestFirmware) {
    firmwareBehind = versionBehind(tel.firmwareVersion, tel.latestFirmware);
    firmwareText = firmwareBehind
      ? `firmware ${tel.firmwareVersion} behind latest ${tel.latestFirmware}`
      : `firmware ${tel.firmwareVersion} is the latest`;
  }

  let inWarranty: boolean | undefined;
  let warrantyText: string | undefined;
  const warranty = parseTime(tel.warrantyExpiresAt);
  if (warranty !== undefined && now !== undefined) {
    inWarranty = now <= warranty;
    const day = tel.warrantyExpiresAt!.slice(0, 10);
    warrantyText = inWarranty ? `in warranty until ${day}` : `warranty expired ${day}`;
  }

  // Symptoms that the device makes impossible are kept in the answer but not used as evidence.
  const present = new Uint8Array(N_SYMPTOMS);
  for (const s of symptoms) {
    let usable = true;
    if ((s === 'key_wont_turn' || s === 'key_broken_in_lock') && device.hasKeyCylinder === false) {
      usable = false;
      notes.push(`symptom ${s} ignored: this lock has no key cylinder`);
    } else if (s === 'fingerprint_rejected' && device.hasFingerprint === false) {
      usable = false;
      notes.push(`symptom ${s} ignored: this lock has no fingerprint reader`);
    } else if (
      (s === 'keypad_unresponsive' || s === 'code_rejected') &&
      device.hasKeypad === false
    ) {
      usable = false;
      notes.push(`symptom ${s} ignored: this lock has no keypad`);
    }
    if (usable) present[SYMPTOM_POS[s]] = 1;
  }

  const excluded = new Uint8Array(N_CAUSES);
  const excludedList: ExcludedCause[] = [];
  const exclude = (code: CauseCode, reason: string): void => {
    const i = CAUSE_POS[code];
    if (excluded[i]) return;
    excluded[i] = 1;
    excludedList.push({ code, reason });
  };
  const wifiPossible = !known || protocols.has('wifi');
  const bluetoothPossible = !known || protocols.has('bluetooth');
  const hubPossible = !known || HUB_PROTOCOLS.some((p) => protocols.has(p));
  const list = [...protocols].join(', ');
  if (!wifiPossible) exclude('wifi_connectivity', `the lock does not use Wi-Fi (${list})`);
  if (!bluetoothPossible)
    exclude('bluetooth_connectivity', `the lock does not use Bluetooth (${list})`);
  if (!hubPossible)
    exclude('hub_connectivity', `the lock uses no Zigbee, Z-Wave or Thread hub (${list})`);
  if (device.powerSource === 'wired') {
    exclude('battery_depleted', 'the lock is wired, not battery-powered');
    exclude('battery_installation', 'the lock is wired, not battery-powered');
  }
  if (device.powerSource === 'battery')
    exclude('external_power_fault', 'the lock runs on batteries, with no external supply');
  if (device.hasKeyCylinder === false) exclude('broken_key_stuck', 'the lock has no key cylinder');

  return {
    power: device.powerSource,
    protocolsKnown: known,
    wifiPossible,
    bluetoothPossible,
    hubPossible,
    protocolInUse: device.protocol,
    hasKeyCylinder: device.hasKeyCylinder,
    hasKeypad: device.hasKeypad,
    hasBackupPower: device.hasBackupPower,
    hasFingerprint: device.hasFingerprint,
    batteryPercent,
    batteryFrom,
    online,
    onlineInferred,
    hoursSinceSeen,
    firmwareBehind,
    firmwareText,
    inWarranty,
    warrantyText,
    present,
    lockedOut: has(symptoms, 'locked_out'),
    excluded,
    excludedList,
    fixBoosts: [],
  };
}

// ---- Telemetry and device facts as likelihood ratios ----------------------------------------

export interface Finding {
  /** Plain words, e.g. "battery at 4% (telemetry)". */
  text: string;
  /** Per-cause likelihood ratio; 1 = no information. */
  ratio: number[];
}

const C = (code: CauseCode): number => CAUSE_POS[code];
const BATTERY_DEPLETED = C('battery_depleted');
const BATTERY_INSTALLATION = C('battery_installation');
const EXTERNAL_POWER = C('external_power_fault');
const WIFI = C('wifi_connectivity');
const BLUETOOTH = C('bluetooth_connectivity');
const HUB = C('hub_connectivity');
const FIRMWARE = C('firmware_outdated');
const GLITCH = C('software_glitch');
const CONFIG = C('configuration_error');
const CREDENTIAL = C('credential_error');
const MISALIGNMENT = C('door_misalignment');
const OBSTRUCTION = C('obstruction_debris');
const WORN = C('worn_mechanism');
const BROKEN_KEY = C('broken_key_stuck');
const ELECTRONIC = C('electronic_failure');

/** Piecewise-linear interpolation over knots sorted by x. */
function interpolate(knots: readonly (readonly [number, number])[], x: number): number {
  if (x <= knots[0]![0]) return knots[0]![1];
  for (let i = 1; i < knots.length; i++) {
    const [x1, y1] = knots[i]!;
    if (x <= x1) {
      const [x0, y0] = knots[i - 1]!;
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return knots[knots.length - 1]![1];
}

/**
 * Likelihood ratio of a battery reading for battery_depleted: non-increasing in the level, and
 * bounded both ways because lithium cells read full until they die and gauges lag.
 */
const BATTERY_KNOTS = [
  [0, 14],
  [5, 12],
  [10, 8],
  [20, 3.5],
  [30, 1.6],
  [50, 0.7],
  [75, 0.45],
  [100, 0.35],
] as const;
/** Received signal strength (dBm) to the likelihood ratio of a connectivity fault. */
const SIGNAL_KNOTS = [
  [-95, 5],
  [-85, 4],
  [-75, 2.2],
  [-67, 1.1],
  [-60, 0.6],
  [-40, 0.45],
] as const;

export function batteryRatio(percent: number): number {
  return interpolate(BATTERY_KNOTS, percent);
}

function finding(text: string): Finding {
  return { text, ratio: filled(N_CAUSES, 1) };
}

function countRatio(n: number, slope: number, cap: number): number {
  return Math.min(cap, 1 + slope * Math.log2(1 + n));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function telemetryFindings(ctx: Context, input: DiagnosisInput): Finding[] {
  const tel = input.telemetry ?? {};
  const out: Finding[] = [];

  if (ctx.batteryPercent !== undefined && ctx.power !== 'wired') {
    const b = ctx.batteryPercent;
    const f = finding(
      `battery at ${Math.round(b)}% (${ctx.batteryFrom === 'telemetry' ? 'telemetry' : 'reported'})`,
    );
    const r = batteryRatio(b);
    // Softer for a level the reporter typed in: it may be stale or misread.
    const k = ctx.batteryFrom === 'telemetry' ? 1 : 0.7;
    f.ratio[BATTERY_DEPLETED] = r ** k;
    // Reversed or unsupported cells also read low, but less tellingly; the ratio between the two
    // still grows as the level falls, so a lower reading never lowers battery_depleted.
    f.ratio[BATTERY_INSTALLATION] = r ** (0.4 * k);
    if (ctx.power === 'rechargeable') f.ratio[EXTERNAL_POWER] = r ** (0.5 * k);
    out.push(f);
  }

  if (ctx.online !== undefined) {
    const k = ctx.onlineInferred ? 0.8 : 1;
    if (ctx.online) {
      const f = finding(
        ctx.onlineInferred ? 'lock seen within the hour (telemetry)' : 'lock online (telemetry)',
      );
      f.ratio[WIFI] = 0.3 ** k;
      f.ratio[HUB] = 0.3 ** k;
      f.ratio[BLUETOOTH] = 0.6 ** k;
      f.ratio[BATTERY_DEPLETED] = 0.6 ** k;
      f.ratio[BATTERY_INSTALLATION] = 0.5 ** k;
      f.ratio[EXTERNAL_POWER] = 0.4 ** k;
      f.ratio[ELECTRONIC] = 0.7 ** k;
      out.push(f);
    } else {
      const h = ctx.hoursSinceSeen;
      const since =
        h === undefined
          ? ''
          : h >= 48
            ? `, last seen ${Math.round(h / 24)} days ago`
            : `, last seen ${Math.round(h)} h ago`;
      const f = finding(`lock offline${since} (telemetry)`);
      f.ratio[WIFI] = 3 ** k;
      f.ratio[HUB] = 3 ** k;
      f.ratio[BLUETOOTH] = 2 ** k;
      f.ratio[BATTERY_DEPLETED] = 2 ** k;
      f.ratio[BATTERY_INSTALLATION] = 1.5 ** k;
      f.ratio[EXTERNAL_POWER] = 2.5 ** k;
      f.ratio[ELECTRONIC] = 1.8 ** k;
      f.ratio[GLITCH] = 1.3 ** k;
      f.ratio[CREDENTIAL] = 0.6 ** k;
      f.ratio[CONFIG] = 0.6 ** k;
      f.ratio[MISALIGNMENT] = 0.7 ** k;
      f.ratio[OBSTRUCTION] = 0.7 ** k;
      f.ratio[WORN] = 0.8 ** k;
      f.ratio[BROKEN_KEY] = 0.7 ** k;
      // Days of silence point at power rather than a network blip.
      if (h !== undefined && h > 72) {
        f.ratio[BATTERY_DEPLETED] *= 1.5;
        f.ratio[EXTERNAL_POWER] *= 1.3;
        f.ratio[ELECTRONIC] *= 1.3;
      }
      out.push(f);
    }
  }

  const signal = finite(tel.signalDbm);
  if (signal !== undefined) {
    const r = interpolate(SIGNAL_KNOTS, signal);
    const quality = signal <= -80 ? 'weak' : signal <= -70 ? 'fair' : 'good';
    const f = finding(`signal ${Math.round(signal)} dBm, ${quality} (telemetry)`);
    const inUse = ctx.protocolInUse;
    const targets =
      inUse === undefined
        ? [WIFI, BLUETOOTH, HUB]
        : inUse === 'wifi'
          ? [WIFI]
          : inUse === 'bluetooth'
            ? [BLUETOOTH]
            : [HUB];
    for (const t of targets) f.ratio[t] = r;
    out.push(f);
  }

  if (ctx.firmwareBehind !== undefined) {
    const f = finding(`${ctx.firmwareText!} (telemetry)`);
    if (ctx.firmwareBehind) {
      f.ratio[FIRMWARE] = 4;
      f.ratio[GLITCH] = 1.2;
    } else {
      f.ratio[FIRMWARE] = 0.1;
    }
    out.push(f);
  }

  const jams = finite(tel.jamEvents24h);
  if (jams !== undefined && jams >= 0) {
    const n = Math.round(jams);
    const f = finding(
      n === 0
        ? 'no jam events in 24 h (telemetry)'
        : `${plural(n, 'jam event')} in 24 h (telemetry)`,
    );
    if (n === 0) {
      f.ratio[MISALIGNMENT] = 0.7;
      f.ratio[OBSTRUCTION] = 0.7;
      f.ratio[WORN] = 0.8;
    } else {
      const mech = countRatio(n, 1.2, 6);
      f.ratio[MISALIGNMENT] = mech;
      f.ratio[OBSTRUCTION] = mech;
      f.ratio[WORN] = mech;
      f.ratio[BATTERY_DEPLETED] = countRatio(n, 0.3, 2);
    }
    out.push(f);
  }

  const failed = finite(tel.failedCodeAttempts24h);
  if (failed !== undefined && failed >= 0) {
    const n = Math.round(failed);
    const f = finding(
      n === 0
        ? 'no failed code attempts in 24 h (telemetry)'
        : `${plural(n, 'failed code attempt')} in 24 h (telemetry)`,
    );
    if (n === 0) {
      // Rejections the lock never logged suggest a keypad that is not registering presses.
      f.ratio[CREDENTIAL] = 0.6;
    } else {
      f.ratio[CREDENTIAL] = countRatio(n, 1.5, 6);
      f.ratio[CONFIG] = countRatio(n, 0.4, 2);
      f.ratio[ELECTRONIC] = countRatio(n, 0.2, 1.5);
    }
    out.push(f);
  }

  if (tel.doorAjar !== undefined) {
    const f = finding(
      tel.doorAjar ? 'door reported ajar (telemetry)' : 'door reported closed (telemetry)',
    );
    if (tel.doorAjar) {
      f.ratio[MISALIGNMENT] = 2.5;
      f.ratio[CONFIG] = 1.3;
      f.ratio[OBSTRUCTION] = 1.3;
    } else {
      f.ratio[MISALIGNMENT] = 0.8;
    }
    out.push(f);
  }

  if (ctx.inWarranty !== undefined) {
    const f = finding(`${ctx.warrantyText!} (device record)`);
    if (ctx.inWarranty) {
      f.ratio[WORN] = 0.8;
    } else {
      f.ratio[WORN] = 1.3;
      f.ratio[ELECTRONIC] = 1.1;
    }
    out.push(f);
  }

  // The protocol in use makes the model's other radios less likely culprits.
  if (ctx.protocolInUse !== undefined) {
    const f = finding(`connected over ${ctx.protocolInUse} (device record)`);
    const inUse = ctx.protocolInUse;
    if (inUse !== 'wifi') f.ratio[WIFI] = 0.4;
    if (inUse !== 'bluetooth') f.ratio[BLUETOOTH] = 0.5;
    if (!HUB_PROTOCOLS.includes(inUse)) f.ratio[HUB] = 0.4;
    out.push(f);
  }
  if (ctx.power === 'rechargeable') {
    const f = finding('rechargeable battery pack (device record)');
    f.ratio[BATTERY_INSTALLATION] = 0.5;
    out.push(f);
  }
  return out;
}
