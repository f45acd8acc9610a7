import type { ErrorCatalog } from '../common/errors.js';

export const DEVICES_ERRORS = {
  model_read_only: {
    status: 409,
    title: 'Reference models are read-only except the firmware you track',
  },
  model_taken: { status: 409, title: 'You already have a model with this manufacturer and name' },
  model_in_use: { status: 409, title: 'Devices still use this model' },
  property_in_use: { status: 409, title: 'Devices are still installed at this property' },
  serial_taken: { status: 409, title: 'A device with this serial is already in your fleet' },
  import_rejected: { status: 400, title: 'The import was rejected; nothing was written' },
} as const satisfies ErrorCatalog;
