import { Injectable } from '@nestjs/common';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { matchCatalogModel, modelOfDevice, type ModelRow } from '../devices/index.js';
import { DevicesService } from '../devices/index.js';
import {
  type DeviceHealthView,
  healthFromFacts,
  type LockDiagnosisFactsRow,
  readDeviceHealth,
} from '../devices/index.js';
import type { DiagnosisRequestDto, DiagnosisResponseDto } from './dto/diagnosis.dto.js';
import { learnedCounts } from './learned-causes.repository.js';
import { type CauseCode, diagnose, type DiagnosisInput } from './engine/index.js';

/** A request as the service takes it: the HTTP body, or a ticket's data. */
export type DiagnosisRequest = Pick<
  DiagnosisRequestDto,
  | 'deviceId'
  | 'manufacturer'
  | 'model'
  | 'symptoms'
  | 'description'
  | 'telemetry'
  | 'stepsTried'
  | 'answers'
>;

/**
 * Feeds the pure engine what the tenant's records say about the lock (its
 * model, firmware, health) and what the tenant has learned about the model,
 * then answers the contract shape.
 */
@Injectable()
export class DiagnosticsService {
  constructor(
    private readonly db: TenantDb,
    private readonly devices: DevicesService,
  ) {}

  run(tenantId: string, req: DiagnosisRequest): Promise<DiagnosisResponseDto> {
    return this.db.tenantTransaction(tenantId, (tx) => this.diagnoseIn(tx, req));
  }

  /** Inside a caller's transaction (step outcomes, answers): reads the facts, then diagnoses. */
  async diagnoseIn(
    tx: TenantTx,
    req: DiagnosisRequest,
    now = new Date(),
  ): Promise<DiagnosisResponseDto> {
    let health: DeviceHealthView | undefined;
    let model: ModelRow | undefined;
    if (req.deviceId) {
      health = await readDeviceHealth(tx, req.deviceId, this.devices.healthSettings, now);
      model = await modelOfDevice(tx, req.deviceId);
    } else if (req.manufacturer || req.model) {
      model = await matchCatalogModel(tx, { manufacturer: req.manufacturer, model: req.model });
    }
    const learned = model ? await learnedCounts(tx, model.id) : {};
    return this.diagnoseWith(req, { health, model, learned }, now);
  }

  /**
   * A device's diagnosis from facts its caller read in its own statement (devices'
   * lockDiagnosisFactsSql and learnedCountsSql): no database work here.
   */
  diagnoseWithFacts(
    req: DiagnosisRequest & { deviceId: string },
    lock: LockDiagnosisFactsRow,
    learned: Partial<Record<CauseCode, number>>,
    now: Date,
  ): DiagnosisResponseDto {
    const health = healthFromFacts(lock, this.devices.healthSettings, now);
    return this.diagnoseWith(req, { health, model: lock.model, learned }, now);
  }

  /** The engine over the request and the facts read for it (pure). */
  private diagnoseWith(
    req: DiagnosisRequest,
    f: {
      health: DeviceHealthView | undefined;
      model: ModelRow | undefined;
      learned: Partial<Record<CauseCode, number>>;
    },
    now: Date,
  ): DiagnosisResponseDto {
    const device: NonNullable<DiagnosisInput['device']> = {};
    const telemetry: NonNullable<DiagnosisInput['telemetry']> = {};
    const { health, model, learned } = f;

    if (health) {
      if (health.protocol) device.protocol = health.protocol;
      if (health.firmwareBehindLatest !== null)
        device.firmwareBehindLatest = health.firmwareBehindLatest;
      if (health.batteryPercent !== null) telemetry.batteryPercent = health.batteryPercent;
      if (health.online !== null) telemetry.online = health.online;
      if (health.lastSeenAt) telemetry.lastSeenAt = health.lastSeenAt;
      if (health.signalDbm !== null) telemetry.signalDbm = health.signalDbm;
      if (health.firmwareVersion) telemetry.firmwareVersion = health.firmwareVersion;
      if (health.latestFirmware) telemetry.latestFirmware = health.latestFirmware;
      telemetry.jamEvents24h = health.jamEvents24h;
      telemetry.failedCodeAttempts24h = health.failedCodeAttempts24h;
      if (health.doorAjar !== null) telemetry.doorAjar = health.doorAjar;
      if (health.warranty.expiresAt) telemetry.warrantyExpiresAt = health.warranty.expiresAt;
    } else if (req.manufacturer || req.model) {
      if (req.manufacturer) device.manufacturer = req.manufacturer;
      if (req.model) device.model = req.model;
    }
    if (model) {
      Object.assign(device, {
        manufacturer: model.manufacturer,
        model: model.model,
        powerSource: model.power_source,
        protocols: model.protocols,
        hasKeyCylinder: model.has_key_cylinder,
        hasKeypad: model.has_keypad,
        hasBackupPower: model.has_backup_power,
        hasFingerprint: model.has_fingerprint,
      });
      if (!req.deviceId && model.latest_firmware) telemetry.latestFirmware = model.latest_firmware;
    }
    // Explicit telemetry in the request overrides the records.
    const { powerSource, protocol, ...given } = req.telemetry ?? {};
    if (powerSource) device.powerSource = powerSource;
    if (protocol) device.protocol = protocol;
    Object.assign(telemetry, given);
    if (given.firmwareVersion !== undefined || given.latestFirmware !== undefined)
      delete device.firmwareBehindLatest;

    const result = diagnose({
      symptoms: req.symptoms,
      description: req.description,
      device,
      telemetry,
      stepsTried: req.stepsTried,
      answers: req.answers,
      learnedCounts: learned,
      now: now.toISOString(),
    });
    return {
      symptoms: result.symptoms,
      textMatches: result.textMatches,
      causes: result.causes,
      plan: result.plan,
      escalation: result.escalation,
      resolved: result.resolved,
      device: {
        ...(req.deviceId ? { deviceId: req.deviceId } : {}),
        ...(model
          ? { modelId: model.id, manufacturer: model.manufacturer, model: model.model }
          : {}),
        learnedConfirmations: Object.values(learned).reduce<number>((sum, n) => sum + (n ?? 0), 0),
      },
      modelVersion: result.modelVersion,
      questions: result.questions,
    };
  }
}
