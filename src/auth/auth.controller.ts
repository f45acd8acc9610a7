import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiValidation } from '../common/api-docs.js';
import { ProblemDto } from '../common/problem.dto.js';
import { AuthService } from './auth.service.js';
import { AddressRateLimit, Public } from './decorators.js';
import {
  LoginDto,
  RefreshDto,
  SignupDto,
  SignupResponseDto,
  TokenPairDto,
} from './dto/auth.dto.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @Public()
  @AddressRateLimit()
  @ApiOperation({ summary: 'Create a tenant (company) and its first admin; answers tokens' })
  @ApiCreatedResponse({ type: SignupResponseDto })
  @ApiValidation()
  @ApiConflictResponse({ type: ProblemDto, description: 'Email or handle already taken' })
  signup(@Body() dto: SignupDto): Promise<SignupResponseDto> {
    return this.auth.signup(dto);
  }

  @Post('login')
  @Public()
  @AddressRateLimit()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for tokens' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiValidation()
  @ApiUnauthorizedResponse({ type: ProblemDto })
  login(@Body() dto: LoginDto, @Req() req: FastifyRequest): Promise<TokenPairDto> {
    return this.auth.login(dto, req.ip);
  }

  @Post('refresh')
  @Public()
  @AddressRateLimit()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate a refresh token',
    description:
      'Each refresh token works once. Reusing one revokes every token of its session family.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiValidation()
  @ApiUnauthorizedResponse({ type: ProblemDto })
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }
}
