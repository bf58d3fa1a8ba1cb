import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiZodBody, ZodBody } from '../common/zod-validation.js';
import { ChangePasswordSchema, LoginSchema, type Login } from './accounts.dto.js';
import { AccountsService } from './accounts.service.js';
import { AllowPendingPassword, CurrentPrincipal, Public } from './auth.decorators.js';
import { AuthService } from './auth.service.js';
import type { Principal } from './principal.js';
import { Revocations } from './revocations.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly accounts: AccountsService,
    private readonly revocations: Revocations,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiZodBody(LoginSchema)
  login(@ZodBody(LoginSchema) body: Login, @Req() req: Request) {
    return this.auth.login(body, { ip: req.ip, userAgent: req.headers['user-agent'] });
  }

  @ApiBearerAuth()
  @AllowPendingPassword()
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentPrincipal() p: Principal) {
    await this.auth.logout(p);
    if (p.sessionId) this.revocations.revoked({ kind: 'session', sessionId: p.sessionId });
  }

  @ApiBearerAuth()
  @AllowPendingPassword()
  @Get('me')
  async me(@CurrentPrincipal() p: Principal) {
    const organisation = await this.accounts.getOrganisation(p, p.organisationId);
    const user = p.userId ? await this.accounts.getUser(p, p.userId) : null;
    return { kind: p.kind, roles: p.roles, mustChangePassword: p.mustChangePassword, user, organisation, apiKeyId: p.apiKeyId };
  }

  @ApiBearerAuth()
  @AllowPendingPassword()
  @Post('password')
  @HttpCode(204)
  @ApiZodBody(ChangePasswordSchema)
  async changePassword(@CurrentPrincipal() p: Principal, @ZodBody(ChangePasswordSchema) body: { currentPassword: string; newPassword: string }) {
    await this.auth.changePassword(p, body.currentPassword, body.newPassword);
    // Every other session of the user ended with the change (AuthService.changePassword).
    if (p.userId) this.revocations.revoked({ kind: 'user', userId: p.userId, exceptSessionId: p.sessionId });
  }
}
