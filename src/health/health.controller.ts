import { Controller, Get, Inject } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../auth/index.js';
import { ProblemDto } from '../common/problem.dto.js';
import { READ_DATA_SOURCE } from '../database/tenant-db.service.js';

@ApiTags('health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly primary: DataSource,
    @Inject(READ_DATA_SOURCE) private readonly read: DataSource,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({
    description: 'Alive',
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
      example: { status: 'ok' },
    },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: the database (and the read pool, with DATABASE_READ_URL) answers within 1.5 s',
  })
  @ApiServiceUnavailableResponse({ type: ProblemDto })
  @ApiOkResponse({
    description: 'Ready',
    schema: {
      type: 'object',
      required: ['status'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        info: { type: 'object', additionalProperties: true },
        error: { type: 'object', additionalProperties: true },
        details: { type: 'object', additionalProperties: true },
      },
      example: {
        status: 'ok',
        info: { database: { status: 'up' } },
        error: {},
        details: { database: { status: 'up' } },
      },
    },
  })
  ready(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      () => this.database.pingCheck('database').withTimeout(1500),
    ];
    // Lists and reports read from the replica: an instance that cannot reach it is not ready.
    if (this.read !== this.primary) {
      checks.push(() =>
        this.database.pingCheck('readDatabase', { connection: this.read }).withTimeout(1500),
      );
    }
    return this.health.check(checks);
  }
}
