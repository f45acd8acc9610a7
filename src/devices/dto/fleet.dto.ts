import { ApiProperty } from '@nestjs/swagger';

export class FleetCountsDto {
  @ApiProperty() devices!: number;
  @ApiProperty() lowBattery!: number;
  @ApiProperty() offline!: number;
  @ApiProperty() firmwareOutdated!: number;
  @ApiProperty({ description: 'Never sent telemetry' }) neverSeen!: number;
}

export class FleetGroupDto extends FleetCountsDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

export class AttentionDto {
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty() serial!: string;
  @ApiProperty({ format: 'uuid' }) propertyId!: string;
  @ApiProperty() propertyName!: string;
  @ApiProperty({ type: String, nullable: true }) unit!: string | null;
  @ApiProperty({ description: 'Higher first: jams, dead batteries, offline locks, open doors' })
  score!: number;
  @ApiProperty({
    type: [String],
    example: ['battery at 6%', 'offline since 2026-11-21T04:00:00.000Z'],
  })
  reasons!: string[];
}

export class FleetHealthDto {
  @ApiProperty({ type: FleetCountsDto }) totals!: FleetCountsDto;
  @ApiProperty({ type: [FleetGroupDto] }) byProperty!: FleetGroupDto[];
  @ApiProperty({ type: [FleetGroupDto] }) byModel!: FleetGroupDto[];
  @ApiProperty({
    type: [AttentionDto],
    description: 'Up to 50 active locks that need attention first',
  })
  attention!: AttentionDto[];
}
