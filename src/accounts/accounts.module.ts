import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysController, OrganisationsController, UsersController } from './accounts.controller.js';
import { AccountsService } from './accounts.service.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { Revocations } from './revocations.js';

// Organisations, users, sign-in and API keys. Global because every module's guard and socket handshake
// authenticate through AuthService.
@Global()
@Module({
  controllers: [AuthController, OrganisationsController, UsersController, ApiKeysController],
  providers: [AccountsService, AuthService, Revocations, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AccountsService, AuthService, Revocations],
})
export class AccountsModule {}
