/**
 * The public surface of the devices module: what other modules may import from it (the other one
 * is devices.module.ts). Everything else in src/devices/ is private; see .dependency-cruiser.cjs.
 */
export { DevicesService } from './devices.service.js';
export {
  POWER_SOURCES,
  type PowerSource,
  PROTOCOLS,
  type Protocol,
} from './dto/device-models.dto.js';
export { FIRMWARE_PATTERN } from './firmware.js';
export type { DeviceHealthView } from './dto/health.dto.js';
export { healthFromFacts, type HealthSettings, readDeviceHealth } from './health.js';
export { type ModelRow, matchCatalogModel, modelOfDevice } from './device-models.repository.js';
export {
  lockAlertsSql,
  type LockDiagnosisFactsRow,
  lockDiagnosisFactsSql,
  lockFacts,
  lockFactsOf,
} from './lock-facts.repository.js';
export { type LockSnapshot, lockSnapshot, RECENT_JAM_DAYS } from './lock-facts.repository.js';
export { ContactDto } from './dto/properties.dto.js';
export { type BatteryForecast, type BatteryReading, forecastBattery } from './forecast.js';
