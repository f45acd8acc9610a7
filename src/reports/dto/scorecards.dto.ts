import { ApiProperty } from '@nestjs/swagger';

export class ScorecardPartnerDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['locksmith', 'manufacturer'] }) kind!: string;
}

export class ScorecardRatings {
  @ApiProperty({ type: Number, nullable: true, example: 4.5, description: 'Mean score 1-5' })
  average!: number | null;
  @ApiProperty({ example: 12 }) count!: number;
}

export class ScorecardDto {
  @ApiProperty({ type: ScorecardPartnerDto }) partner!: ScorecardPartnerDto;
  @ApiProperty({ description: 'Escalations routed to it in the period (each routing once)' })
  received!: number;
  @ApiProperty({ description: 'Of them, claimed' }) claimed!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median minutes from routed to claimed',
  })
  medianMinutesToClaim!: number | null;
  @ApiProperty({ description: 'Of them, with a visit scheduled' }) scheduled!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median minutes from routed to the visit being scheduled',
  })
  medianMinutesToSchedule!: number | null;
  @ApiProperty({ description: 'Resolved by it' }) resolved!: number;
  @ApiProperty({ description: 'Resolved after scheduling a visit' }) visits!: number;
  @ApiProperty({ description: 'Of them, resolved by the end of the visit window (visit + 4 h)' })
  visitsOnTime!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'visitsOnTime / visits' })
  onTimeRate!: number | null;
  @ApiProperty({
    description:
      'Resolutions with no reopen of the ticket and no new escalation of the same lock for the same cause within 30 days',
  })
  firstTimeFixes!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'firstTimeFixes / resolved' })
  firstTimeFixRate!: number | null;
  @ApiProperty({ description: 'Resolutions whose work order carried a diagnosis' })
  causeChecked!: number;
  @ApiProperty({
    description: "Of them, the confirmed cause was the diagnosis's top cause",
  })
  causeMatched!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'causeMatched / causeChecked' })
  causeMatchRate!: number | null;
  @ApiProperty({ description: 'Declined, or left unclaimed past the claim window' })
  declined!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'declined / received' })
  declineRate!: number | null;
  @ApiProperty({
    type: ScorecardRatings,
    description:
      'Customers’ ratings of resolutions it made (all time, every customer: mean and count only)',
  })
  ratings!: ScorecardRatings;
}

export class ScorecardPageDto {
  @ApiProperty({ example: '2026-09-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-11-30T00:00:00.000Z' }) to!: string;
  @ApiProperty({ type: [ScorecardDto] }) data!: ScorecardDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Always null: one page' })
  nextCursor!: null;
}
