import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { AnyRole, CurrentUser, Roles, CustomerOnly } from '../auth/index.js';
import { ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { DiagnosticsService } from './diagnostics.service.js';
import { DiagnosisRequestDto, DiagnosisResponseDto } from './dto/diagnosis.dto.js';
import type { Knowledge } from './engine/index.js';
import { KNOWLEDGE_IN_USE } from './engine/model.js';

@ApiTags('diagnostics')
@Controller()
export class DiagnosticsController {
  constructor(private readonly diagnostics: DiagnosticsService) {}

  @Post('diagnoses')
  @HttpCode(200)
  @CustomerOnly()
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({
    summary: 'Rank what is most likely wrong with a lock and plan the cheapest path to a fix',
    description:
      'With `deviceId` the lock’s model, firmware and health are read from its record (explicit `telemetry` overrides). ' +
      'Without, `manufacturer`/`model` are matched against the catalog. Nothing is stored.',
  })
  @ApiOkResponse({ type: DiagnosisResponseDto })
  @ApiValidation()
  @ApiNotFound('Device')
  diagnose(
    @CurrentUser() actor: UserActor,
    @Body() dto: DiagnosisRequestDto,
  ): Promise<DiagnosisResponseDto> {
    return this.diagnostics.run(actor.tenantId, dto);
  }

  // Partners too: they name a confirmed cause when they resolve an escalation.
  @Get('diagnostics/knowledge')
  @AnyRole()
  @ApiOperation({
    summary:
      'The diagnosis vocabulary: symptom, cause and step codes with descriptions, categories and performers',
  })
  @ApiOkResponse({ schema: { type: 'object' } })
  knowledge(): Knowledge {
    return KNOWLEDGE_IN_USE;
  }
}
