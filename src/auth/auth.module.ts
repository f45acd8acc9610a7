import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { ApiKeyUsage } from './api-key-usage.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthController } from './auth.controller.js';
import { AuthCache } from './auth-cache.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { JwtStrategy } from './jwt.strategy.js';
import { ThrottleSweepJob } from './jobs/throttle-sweep.job.js';
import { LoginThrottle } from './login-throttle.js';
import { authenticatorProvider } from './passport.js';
import { RateLimits } from './rate-limits.js';
import { TokenService } from './tokens.service.js';

@Module({
  controllers: [AuthController, ApiKeysController],
  providers: [
    AuthService,
    TokenService,
    ApiKeysService,
    LoginThrottle,
    ThrottleSweepJob,
    RateLimits,
    AuthCache,
    ApiKeyUsage,
    JwtStrategy,
    ApiKeyStrategy,
    authenticatorProvider,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, TokenService, LoginThrottle],
})
export class AuthModule {}
