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
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
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
