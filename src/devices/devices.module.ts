import { Module } from '@nestjs/common';
import { DeviceModelsController } from './device-models.controller.js';
import { DeviceModelsService } from './device-models.service.js';
import { DevicesController } from './devices.controller.js';
import { DevicesService } from './devices.service.js';
import { FleetController } from './fleet.controller.js';
import { FleetService } from './fleet.service.js';
import { TelemetryPartitionsJob } from './jobs/telemetry-partitions.job.js';
import { PropertiesController } from './properties.controller.js';
import { PropertiesService } from './properties.service.js';
import { TelemetryController } from './telemetry.controller.js';
import { TelemetryService } from './telemetry.service.js';

@Module({
  controllers: [
    PropertiesController,
    DeviceModelsController,
    DevicesController,
    TelemetryController,
    FleetController,
  ],
  providers: [
    PropertiesService,
    DeviceModelsService,
    DevicesService,
    TelemetryService,
    FleetService,
    TelemetryPartitionsJob,
  ],
  exports: [DevicesService],
})
export class DevicesModule {}
