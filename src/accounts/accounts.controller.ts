import { Controller, Delete, Get, Patch, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiZodBody, ApiZodQuery, UuidParam, ZodBody, ZodQuery } from '../common/zod-validation.js';
import {
  CreateApiKeySchema,
  CreateOrganisationSchema,
  CreateUserSchema,
  ListOrganisationsSchema,
  ListUsersSchema,
  UpdateOrganisationSchema,
  UpdateUserSchema,
  type CreateApiKey,
  type CreateOrganisation,
  type CreateUser,
  type ListOrganisations,
  type ListUsers,
  type UpdateOrganisation,
  type UpdateUser,
} from './accounts.dto.js';
import { AccountsService } from './accounts.service.js';
import { CurrentPrincipal, Roles } from './auth.decorators.js';
import type { Principal } from './principal.js';

type WithId = Request & { id?: string };

@ApiTags('organisations')
@ApiBearerAuth()
@Controller('organisations')
export class OrganisationsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiZodQuery(ListOrganisationsSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListOrganisationsSchema) q: ListOrganisations) {
    return this.accounts.listOrganisations(p, q);
  }

  @Post()
  @Roles('admin')
  @ApiZodBody(CreateOrganisationSchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreateOrganisationSchema) body: CreateOrganisation, @Req() req: WithId) {
    return this.accounts.createOrganisation(p, body, req.id);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.accounts.getOrganisation(p, id);
  }

  @Patch(':id')
  @Roles('admin', 'org_admin')
  @ApiZodBody(UpdateOrganisationSchema)
  update(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(UpdateOrganisationSchema) body: UpdateOrganisation, @Req() req: WithId) {
    return this.accounts.updateOrganisation(p, id, body, req.id);
  }

  @Post(':id/users')
  @Roles('admin', 'org_admin')
  @ApiZodBody(CreateUserSchema)
  createUser(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(CreateUserSchema) body: CreateUser, @Req() req: WithId) {
    return this.accounts.createUser(p, id, body, req.id);
  }
}

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiZodQuery(ListUsersSchema)
  list(@CurrentPrincipal() p: Principal, @ZodQuery(ListUsersSchema) q: ListUsers) {
    return this.accounts.listUsers(p, q);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.accounts.getUser(p, id);
  }

  @Patch(':id')
  @Roles('admin', 'org_admin')
  @ApiZodBody(UpdateUserSchema)
  update(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @ZodBody(UpdateUserSchema) body: UpdateUser, @Req() req: WithId) {
    return this.accounts.updateUser(p, id, body, req.id);
  }

  @Post(':id/reset-password')
  @Roles('admin', 'org_admin')
  resetPassword(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: WithId) {
    return this.accounts.resetPassword(p, id, req.id);
  }
}

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly accounts: AccountsService) {}

  // Keys are managed by the organisation's org_admin (README); other members do not see them.
  @Get()
  @Roles('org_admin', 'admin')
  list(@CurrentPrincipal() p: Principal) {
    return this.accounts.listApiKeys(p);
  }

  @Post()
  @Roles('org_admin', 'admin')
  @ApiZodBody(CreateApiKeySchema)
  create(@CurrentPrincipal() p: Principal, @ZodBody(CreateApiKeySchema) body: CreateApiKey, @Req() req: WithId) {
    return this.accounts.createApiKey(p, body, req.id);
  }

  @Delete(':id')
  revoke(@CurrentPrincipal() p: Principal, @UuidParam() id: string, @Req() req: WithId) {
    return this.accounts.revokeApiKey(p, id, req.id);
  }
}
