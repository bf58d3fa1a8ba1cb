import { applyDecorators, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Roles } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { BadRequestError, DomainError } from '../common/errors.js';
import { ApiZodQuery, UuidParam, ZodQuery } from '../common/zod-validation.js';
import type { ImportKind } from './fleet-import.columns.js';
import { ImportQuerySchema, type ImportQuery } from './fleet-import.dto.js';
import { FleetImportService } from './fleet-import.service.js';

type Req = Request & { id?: string };

class UnsupportedMediaTypeError extends DomainError {
  override readonly status = 415;
}

const CsvBody = () =>
  applyDecorators(
    ApiConsumes('text/csv'),
    ApiBody({ description: 'The CSV file itself (UTF-8 or GBK), header row first', schema: { type: 'string', format: 'binary' } }),
  );

// POST /vehicles/import, /tanks/import, /people/import with the CSV as the body (Content-Type: text/csv), and
// GET /imports/:id for progress and the per-row result.
@ApiTags('fleet')
@ApiBearerAuth()
@Controller()
export class FleetImportController {
  constructor(private readonly imports: FleetImportService) {}

  @Post('vehicles/import')
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodQuery(ImportQuerySchema)
  @CsvBody()
  vehicles(@CurrentPrincipal() p: Principal, @ZodQuery(ImportQuerySchema) q: ImportQuery, @Req() req: Req, @Res({ passthrough: true }) res: Response) {
    return this.start('vehicles', p, q, req, res);
  }

  @Post('tanks/import')
  @Roles('admin', 'org_admin', 'carrier')
  @ApiZodQuery(ImportQuerySchema)
  @CsvBody()
  tanks(@CurrentPrincipal() p: Principal, @ZodQuery(ImportQuerySchema) q: ImportQuery, @Req() req: Req, @Res({ passthrough: true }) res: Response) {
    return this.start('tanks', p, q, req, res);
  }

  @Post('people/import')
  @Roles('admin', 'org_admin', 'carrier', 'loader')
  @ApiZodQuery(ImportQuerySchema)
  @CsvBody()
  people(@CurrentPrincipal() p: Principal, @ZodQuery(ImportQuerySchema) q: ImportQuery, @Req() req: Req, @Res({ passthrough: true }) res: Response) {
    return this.start('people', p, q, req, res);
  }

  @Get('imports/:id')
  status(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    return this.imports.status(p, id);
  }

  private async start(kind: ImportKind, p: Principal, q: ImportQuery, req: Req, res: Response) {
    if (!Buffer.isBuffer(req.body)) {
      // The raw parser leaves no body for an empty request; any other type was never read as a file.
      if (req.is(['text/csv', 'application/csv'])) throw new BadRequestError('CSV_EMPTY', 'The file is empty');
      throw new UnsupportedMediaTypeError('CSV_CONTENT_TYPE', 'Send the CSV file itself as the request body with Content-Type: text/csv');
    }
    const started = await this.imports.start(p, kind, req.body, q, req.id);
    if (q.wait) {
      const finished = await this.imports.waitForResult(p, started.importId);
      if (finished) {
        res.status(200);
        return finished;
      }
      res.status(202);
      return { ...started, status: (await this.imports.status(p, started.importId)).state };
    }
    res.status(202);
    return started;
  }
}
