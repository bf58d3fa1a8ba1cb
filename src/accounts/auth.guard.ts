import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenError } from '../common/errors.js';
import { ALLOW_PENDING_PASSWORD, IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators.js';
import { AuthService } from './auth.service.js';
import { hasRole, type Principal } from './principal.js';
import type { Role } from './roles.js';

export function credentialFrom(headers: Request['headers']): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey;
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
    if (m) return m[1];
  }
  return undefined;
}

// Global guard: every HTTP route needs a signed-in user or API key unless marked @Public().
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true; // socket.io namespaces authenticate in their handshake
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const principal = await this.auth.authenticate(credentialFrom(req.headers));
    req.principal = principal;
    if (principal.mustChangePassword && !this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_PASSWORD, targets)) {
      throw new ForbiddenError('PASSWORD_CHANGE_REQUIRED', 'Change your one-time password first: POST /auth/password');
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles?.length && !hasRole(principal, ...roles)) {
      throw new ForbiddenError('ROLE_REQUIRED', `This needs one of the roles: ${roles.join(', ')}`, { roles });
    }
    return true;
  }
}
