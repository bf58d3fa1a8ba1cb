import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../accounts/auth.decorators.js';
import { ENV, type Env } from '../config/env.js';

// What the web console needs to know before anyone signs in: the optional tile server of the live map.
@ApiTags('console')
@Controller()
export class ConsoleController {
  constructor(@Inject(ENV) private readonly env: Env) {}

  @Public()
  @Get('config')
  @Header('Cache-Control', 'no-cache')
  config() {
    return { mapTileUrl: this.env.MAP_TILE_URL ?? null, mapTileAttribution: this.env.MAP_TILE_ATTRIBUTION ?? null };
  }
}
