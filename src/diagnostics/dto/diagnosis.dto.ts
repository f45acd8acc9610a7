import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsStrictIsoDate, Trim } from '../../common/validators.js';
import { POWER_SOURCES, PROTOCOLS, type PowerSource, type Protocol } from '../../devices/index.js';
import { FIRMWARE_PATTERN } from '../../devices/index.js';
import {
  CAUSE_CODES,
  type CauseCode,
  STEP_CODES,
  STEP_OUTCOMES,
  type StepCode,
  type StepOutcome,
  SYMPTOM_CODES,
  type SymptomCode,
} from '../engine/index.js';

export class TelemetryInputDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 100 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100)
  batteryPercent?: number;
  @ApiPropertyOptional({ enum: POWER_SOURCES })
  @IsOptional()
  @IsIn(POWER_SOURCES)
  powerSource?: PowerSource;
  @ApiPropertyOptional({ enum: PROTOCOLS }) @IsOptional() @IsIn(PROTOCOLS) protocol?: Protocol;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() online?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsStrictIsoDate() lastSeenAt?: string;
  @ApiPropertyOptional({ minimum: -150, maximum: 0 })
  @IsOptional()
  @IsNumber()
  @Min(-150)
  @Max(0)
  signalDbm?: number;
  @ApiPropertyOptional({ example: '2.9.1' })
  @IsOptional()
  @Matches(FIRMWARE_PATTERN, { message: 'firmwareVersion must be a version such as 2.10.0' })
  firmwareVersion?: string;
  @ApiPropertyOptional({ example: '2.10.0', description: 'The latest firmware to compare with' })
  @IsOptional()
  @Matches(FIRMWARE_PATTERN, { message: 'latestFirmware must be a version such as 2.10.0' })
  latestFirmware?: string;
  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  jamEvents24h?: number;
  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  failedCodeAttempts24h?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() doorAjar?: boolean;
  @ApiPropertyOptional({ example: '2027-03-14' })
  @IsOptional()
  @IsStrictIsoDate()
  warrantyExpiresAt?: string;
}

export class StepTriedDto {
  @ApiProperty({ enum: STEP_CODES }) @IsIn(STEP_CODES) step!: StepCode;
  @ApiProperty({ enum: STEP_OUTCOMES }) @IsIn(STEP_OUTCOMES) outcome!: StepOutcome;
}

export class AnswerDto {
  @ApiProperty({ enum: SYMPTOM_CODES }) @IsIn(SYMPTOM_CODES) symptom!: SymptomCode;
  @ApiProperty({ description: '`false` is evidence against the symptom, not merely its absence' })
  @IsBoolean()
  present!: boolean;
}

export class QuestionDto {
  @ApiProperty({ enum: SYMPTOM_CODES }) symptom!: SymptomCode;
  @ApiProperty({ example: 'Does the keypad stay dark or ignore touches?' }) text!: string;
  @ApiProperty({ example: 4.5, description: 'Minutes the answer saves on average' })
  expectedSavingMinutes!: number;
}

export class DiagnosisRequestDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Reads the lock’s model, firmware and health',
  })
  @IsOptional()
  @IsUUID()
  deviceId?: string;

  @ApiPropertyOptional({
    example: 'Yale',
    description: 'Without a device: matched against the catalog',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  manufacturer?: string;

  @ApiPropertyOptional({ example: 'Assure Lock 2 Keypad' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  model?: string;

  @ApiPropertyOptional({ enum: SYMPTOM_CODES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @IsIn(SYMPTOM_CODES, { each: true })
  symptoms?: SymptomCode[];

  @ApiPropertyOptional({ example: 'Keypad is dead, no lights when I touch it', maxLength: 5000 })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({
    type: TelemetryInputDto,
    description: 'Overrides what the device record says',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => TelemetryInputDto)
  telemetry?: TelemetryInputDto;

  @ApiPropertyOptional({ type: [StepTriedDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => StepTriedDto)
  stepsTried?: StepTriedDto[];

  @ApiPropertyOptional({
    type: [AnswerDto],
    description: 'Answers to earlier `questions`',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SYMPTOM_CODES.length)
  @ValidateNested({ each: true })
  @Type(() => AnswerDto)
  answers?: AnswerDto[];
}

export class CauseDto {
  @ApiProperty({ enum: CAUSE_CODES }) code!: CauseCode;
  @ApiProperty({ example: 'power' }) category!: string;
  @ApiProperty({ example: 0.62 }) probability!: number;
  @ApiProperty({
    type: [String],
    example: ['battery at 4% (telemetry)', 'symptom: keypad unresponsive'],
  })
  evidence!: string[];
}

export class PlanStepDto {
  @ApiProperty({ enum: STEP_CODES }) step!: StepCode;
  @ApiProperty({ example: 'anyone' }) performer!: string;
  @ApiProperty() rationale!: string;
  @ApiProperty({ type: [String] }) warnings!: string[];
  @ApiProperty({ enum: CAUSE_CODES, isArray: true }) fixes!: CauseCode[];
  @ApiProperty({ description: 'Probability this step fixes the fault' }) pFix!: number;
  @ApiProperty({ description: 'Relative cost (time, effort, risk)' }) cost!: number;
}

export class EscalationDto {
  @ApiProperty() recommended!: boolean;
  @ApiProperty({ enum: ['locksmith', 'manufacturer'], nullable: true }) target!:
    'locksmith' | 'manufacturer' | null;
  @ApiProperty() reason!: string;
}

export class TextMatchDto {
  @ApiProperty({ enum: SYMPTOM_CODES }) symptom!: SymptomCode;
  @ApiProperty({ example: 'keypad is dead' }) phrase!: string;
}

export class DiagnosedDeviceDto {
  @ApiPropertyOptional({ format: 'uuid' }) deviceId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) modelId?: string;
  @ApiPropertyOptional() manufacturer?: string;
  @ApiPropertyOptional() model?: string;
  @ApiProperty({
    description: 'Confirmed causes for this model in your tenant, blended into the priors',
  })
  learnedConfirmations!: number;
}

export class DiagnosisResponseDto {
  @ApiProperty({
    enum: SYMPTOM_CODES,
    isArray: true,
    description: 'Reported and extracted from the description',
  })
  symptoms!: SymptomCode[];
  @ApiProperty({ type: [TextMatchDto] }) textMatches!: TextMatchDto[];
  @ApiProperty({ type: [CauseDto], description: 'Ranked; probabilities sum to 1' })
  causes!: CauseDto[];
  @ApiProperty({ type: [PlanStepDto], description: 'Ordered by expected benefit per cost' })
  plan!: PlanStepDto[];
  @ApiProperty({ type: EscalationDto }) escalation!: EscalationDto;
  @ApiProperty({ description: 'A tried step fixed it' }) resolved!: boolean;
  @ApiProperty({ type: DiagnosedDeviceDto }) device!: DiagnosedDeviceDto;
  @ApiProperty({
    example: 'fit-2026-11-27-3f2a9c1b',
    description: 'The parameter set that ranked and planned (`expert-1` or a fitted version)',
  })
  modelVersion!: string;
  @ApiProperty({
    type: [QuestionDto],
    description: 'Up to three facts whose answers would most lower the expected cost to fix',
  })
  questions!: QuestionDto[];
}
