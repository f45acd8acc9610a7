import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, Roles } from '../auth/index.js';
import { ApiValidation } from '../common/api-docs.js';
import { ScorecardQueryDto } from './dto/reports.dto.js';
import { ScorecardPageDto } from './dto/scorecards.dto.js';
import { ScorecardsService } from './scorecards.service.js';

@ApiTags('reports')
@Controller('scorecards')
export class ScorecardsController {
  constructor(private readonly scorecards: ScorecardsService) {}

  @Get()
  @Roles('admin', 'manager', 'agent', 'locksmith', 'manufacturer')
  @ApiOperation({
    summary: 'Partner scorecards (a customer: its linked partners; a partner: itself)',
    description:
      'Each partner’s figures over the escalations routed to it in the period, across all of its customers: ' +
      'received, time to claim and to schedule, visits on time, first-time fixes, diagnosis matches and declines. ' +
      'Period as for reports (default the last 90 days). Routing prefers the partner with the better score ' +
      'when coverage and load tie.',
  })
  @ApiOkResponse({ type: ScorecardPageDto })
  @ApiValidation()
  list(@CurrentUser() actor: UserActor, @Query() q: ScorecardQueryDto): Promise<ScorecardPageDto> {
    return this.scorecards.list(actor, q);
  }
}
