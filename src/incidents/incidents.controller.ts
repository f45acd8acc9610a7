import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, CustomerOnly, Roles } from '../auth/index.js';
import { ApiBodyAndId, ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { IdParam } from '../common/id-param.js';
import type { Page } from '../common/pagination.js';
import { ProblemDto } from '../common/problem.dto.js';
import {
  IncidentPageDto,
  type IncidentSummaryView,
  IncidentView,
  ListIncidentsQueryDto,
  ResolveIncidentDto,
} from './dto/incidents.dto.js';
import { IncidentsService } from './incidents.service.js';

const READERS = ['admin', 'manager', 'agent'] as const;
const DESK = ['admin', 'agent'] as const;

const Forbidden = () =>
  ApiForbiddenResponse({
    type: ProblemDto,
    description: 'Managers read incidents; admins and agents act',
  });

@ApiTags('incidents')
@Controller('incidents')
@CustomerOnly()
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Get()
  @Roles(...READERS)
  @ApiOperation({
    summary: 'Fleet incidents, newest first (optionally in one state)',
    description:
      'Clusters of locks of one model and firmware showing the same top cause or telemetry anomaly ' +
      'well above the model’s base rate (found by the detection job).',
  })
  @ApiOkResponse({ type: IncidentPageDto })
  @ApiValidation()
  list(
    @CurrentUser() actor: UserActor,
    @Query() q: ListIncidentsQueryDto,
  ): Promise<Page<IncidentSummaryView>> {
    return this.incidents.list(actor, q);
  }

  @Get(':id')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One incident with its evidence, tickets and locks' })
  @ApiOkResponse({ type: IncidentView })
  @ApiNotFound('Incident')
  get(@CurrentUser() actor: UserActor, @IdParam('Incident') id: string): Promise<IncidentView> {
    return this.incidents.get(actor, id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Roles(...DESK)
  @ApiOperation({ summary: 'Acknowledge an open incident (someone is on it)' })
  @ApiOkResponse({ type: IncidentView })
  @ApiNotFound('Incident')
  @Forbidden()
  @ApiConflictResponse({ type: ProblemDto, description: 'Not open (acknowledged or resolved)' })
  acknowledge(
    @CurrentUser() actor: UserActor,
    @IdParam('Incident') id: string,
  ): Promise<IncidentView> {
    return this.incidents.acknowledge(actor, id);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Roles(...DESK)
  @ApiOperation({
    summary: 'Resolve an incident and its tickets together',
    description:
      'Every member ticket not solved or closed is solved with the confirmed cause (its timeline ' +
      'records `incident_resolved`); the tenant’s learned priors count the cause once for the ' +
      'incident’s model. Sends `incident.resolved`.',
  })
  @ApiOkResponse({ type: IncidentView })
  @ApiBodyAndId('Incident')
  @Forbidden()
  @ApiConflictResponse({ type: ProblemDto, description: 'Already resolved' })
  resolve(
    @CurrentUser() actor: UserActor,
    @IdParam('Incident') id: string,
    @Body() dto: ResolveIncidentDto,
  ): Promise<IncidentView> {
    return this.incidents.resolve(actor, id, dto);
  }
}
