import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Principal } from './principal.js';
import type { Role } from './roles.js';

export const IS_PUBLIC = 'hazway:public';
export const REQUIRED_ROLES = 'hazway:roles';
export const ALLOW_PENDING_PASSWORD = 'hazway:allow-pending-password';

// No sign-in needed (health, metrics, sign-in itself, public QR verification).
export const Public = () => SetMetadata(IS_PUBLIC, true);
// The caller needs at least one of these roles.
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
// Reachable while the user still has to replace a generated password.
export const AllowPendingPassword = () => SetMetadata(ALLOW_PENDING_PASSWORD, true);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
