import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, CustomerOnly, Roles } from '../auth/index.js';
import { ApiValidation } from '../common/api-docs.js';
import { toCsv, wantsCsv } from './csv.js';
import {
  MtbfReportDto,
  OutcomeReportDto,
  RepeatReportDto,
  ReportQueryDto,
  SlaReportDto,
  VolumeReportDto,
} from './dto/reports.dto.js';
import { type ReportName, ReportsService } from './reports.service.js';

const PERIOD =
  ' Period: `from` (inclusive) to `to` (exclusive; a date-only `to` includes that day), default the last 30 days, at most 1,100 days. ' +
  'JSON by default; `Accept: text/csv` answers CSV (header `key,label,<figures>`, one line per row, the total last with an empty key and the label `Total`).';

@ApiTags('reports')
@Controller('reports')
@CustomerOnly()
@Roles('admin', 'manager', 'agent')
@ApiProduces('application/json', 'text/csv')
@ApiValidation()
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('tickets')
  @ApiOperation({
    summary:
      'Ticket volumes (groupBy cause | model | firmware | property | priority; default cause)',
    description:
      'Tickets created in the period per group: how many, still open, solved, escalated. `cause` is the confirmed cause, else the diagnosis’s top cause; `firmware` groups by model and the lock’s current firmware.' +
      PERIOD,
  })
  @ApiOkResponse({ type: VolumeReportDto })
  tickets(
    @CurrentUser() actor: UserActor,
    @Query() q: ReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<object | string> {
    return this.answer(actor, 'tickets', q, accept, reply);
  }

  @Get('sla')
  @ApiOperation({
    summary:
      'Response times and SLA attainment (groupBy priority | cause | model | firmware | property; default priority)',
    description:
      'Median elapsed minutes to first response and to solved, and SLA attainment: of the tickets with an SLA target, met (solved or closed without a breach) / (met + breached).' +
      PERIOD,
  })
  @ApiOkResponse({ type: SlaReportDto })
  sla(
    @CurrentUser() actor: UserActor,
    @Query() q: ReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<object | string> {
    return this.answer(actor, 'sla', q, accept, reply);
  }

  @Get('outcomes')
  @ApiOperation({
    summary:
      'Deflection and first-step success (groupBy cause | model | firmware | property | priority; default cause)',
    description:
      'Deflection: solved tickets never escalated / solved tickets. First-step success: tickets whose first step tried (outcome fixed or not_fixed) fixed it / tickets with a step tried.' +
      PERIOD,
  })
  @ApiOkResponse({ type: OutcomeReportDto })
  outcomes(
    @CurrentUser() actor: UserActor,
    @Query() q: ReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<object | string> {
    return this.answer(actor, 'outcomes', q, accept, reply);
  }

  @Get('repeat-failures')
  @ApiOperation({
    summary: 'Repeat-failure locks (groupBy lock | model | firmware | property; default lock)',
    description:
      'Locks with three or more tickets within 90 days, the third (or a later one) created in the period.' +
      PERIOD,
  })
  @ApiOkResponse({ type: RepeatReportDto })
  repeatFailures(
    @CurrentUser() actor: UserActor,
    @Query() q: ReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<object | string> {
    return this.answer(actor, 'repeat-failures', q, accept, reply);
  }

  @Get('mtbf')
  @ApiOperation({
    summary: 'Mean time between failures (groupBy model | firmware | property; default model)',
    description:
      'Days in service of the locks within the period (from installation, else registration, to the end of the period or now; a retired lock until retired) / reported tickets created in the period.' +
      PERIOD,
  })
  @ApiOkResponse({ type: MtbfReportDto })
  mtbf(
    @CurrentUser() actor: UserActor,
    @Query() q: ReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<object | string> {
    return this.answer(actor, 'mtbf', q, accept, reply);
  }

  private async answer(
    actor: UserActor,
    name: ReportName,
    q: ReportQueryDto,
    accept: string | undefined,
    reply: FastifyReply,
  ): Promise<object | string> {
    const { body, columns } = await this.reports.report(actor, name, q);
    void reply.header('vary', 'Accept');
    if (!wantsCsv(accept)) return body;
    void reply.header('content-type', 'text/csv; charset=utf-8');
    void reply.header(
      'content-disposition',
      `attachment; filename="${name}-${body.from.slice(0, 10)}-${body.to.slice(0, 10)}.csv"`,
    );
    const rows: Record<string, unknown>[] = [
      ...body.rows,
      { ...body.total, key: '', label: 'Total' },
    ];
    return toCsv(columns, rows);
  }
}
