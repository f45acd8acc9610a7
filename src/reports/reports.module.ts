import { Module } from '@nestjs/common';
import { ReportsController } from './reports.controller.js';
import { ReportsService } from './reports.service.js';
import { ScorecardsController } from './scorecards.controller.js';
import { ScorecardsService } from './scorecards.service.js';

/** Desk reports and partner scorecards: read-only, on the read pool. */
@Module({
  controllers: [ReportsController, ScorecardsController],
  providers: [ReportsService, ScorecardsService],
})
export class ReportsModule {}
