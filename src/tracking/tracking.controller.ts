import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '../accounts/auth.decorators.js';
import type { Principal } from '../accounts/principal.js';
import { NotFoundError } from '../common/errors.js';
import { ApiZodQuery, UuidParam, ZodQuery } from '../common/zod-validation.js';
import { TrackingScope } from './live/tracking-scope.service.js';
import { PositionsService, type LatestPosition, type TrackSubject } from './positions/positions.service.js';
import { simplifyTrack, toCsvTrack, toGeoJsonTrack, toPolylineTrack } from './track.rules.js';
import { LatestQuerySchema, TrackQuerySchema, type LatestQuery, type TrackQuery } from './tracking.dto.js';

// Points one replay returns at most; a longer range is cut at this many points from its start, marked truncated
// (X-Track-Truncated: true, and `truncated` in the JSON formats): ask again from the last time returned.
export const MAX_TRACK_POINTS = 50_000;

const latestView = (p: LatestPosition) => ({
  vehicleId: p.vehicleId,
  waybillId: p.waybillId,
  fixTime: p.fixTime.toISOString(),
  receivedAt: p.receivedAt.toISOString(),
  lat: p.lat,
  lon: p.lon,
  speedKmh: p.speedKmh,
  course: p.course,
  alarmBits: p.alarmBits,
  statusBits: p.statusBits,
});

// Latest positions and track replay, scoped like their subject: a vehicle as in the fleet API, a waybill to its
// parties and the authorities of its region. Out of scope is 404, as for the subject itself.
@ApiTags('tracking')
@ApiBearerAuth()
@Controller()
export class TrackingController {
  constructor(
    private readonly scope: TrackingScope,
    private readonly positions: PositionsService,
  ) {}

  @Get('vehicles/:id/position')
  async vehiclePosition(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    await this.scope.assertVehicle(p, id);
    const [latest] = await this.positions.latestForVehicles([id]);
    if (!latest) throw new NotFoundError('NO_POSITION', 'This vehicle has not reported a position yet');
    return latestView(latest);
  }

  // The newest clean position linked to the waybill (the /watch snapshot of a waybill subscription), for its parties
  // and the authorities of its region.
  @Get('waybills/:id/position')
  async waybillPosition(@CurrentPrincipal() p: Principal, @UuidParam() id: string) {
    await this.scope.assertWaybill(p, id);
    const latest = await this.positions.latestForWaybill(id);
    if (!latest) throw new NotFoundError('NO_POSITION', 'No position has been recorded for this waybill yet');
    return latestView(latest);
  }

  // Vehicles the caller cannot see, or that never reported, are left out.
  @Get('tracking/latest')
  @ApiZodQuery(LatestQuerySchema)
  async latest(@CurrentPrincipal() p: Principal, @ZodQuery(LatestQuerySchema) q: LatestQuery) {
    const visible = await this.scope.visibleVehicles(p, q.vehicleIds);
    const latest = await this.positions.latestForVehicles(visible);
    return { items: latest.map(latestView) };
  }

  @Get('tracking/track')
  @ApiZodQuery(TrackQuerySchema)
  async track(@CurrentPrincipal() p: Principal, @ZodQuery(TrackQuerySchema) q: TrackQuery, @Res({ passthrough: true }) res: Response) {
    const subject: TrackSubject = q.vehicleId ? { vehicleId: q.vehicleId } : { waybillId: q.waybillId! };
    if ('vehicleId' in subject) await this.scope.assertVehicle(p, subject.vehicleId);
    else await this.scope.assertWaybill(p, subject.waybillId);
    const to = q.to ?? new Date();
    const rows = await this.positions.track(subject, q.from, to, { includeFlagged: q.includeFlagged, limit: MAX_TRACK_POINTS + 1 });
    const truncated = rows.length > MAX_TRACK_POINTS;
    if (truncated) rows.length = MAX_TRACK_POINTS;
    const points = simplifyTrack(rows, q.simplify);
    res.setHeader('X-Track-Truncated', String(truncated));
    const about = { ...subject, from: q.from.toISOString(), to: to.toISOString(), simplifyM: q.simplify ?? 0, sourcePoints: rows.length, truncated };
    switch (q.format) {
      case 'polyline':
        return { ...about, ...toPolylineTrack(points) };
      case 'geojson':
        res.type('application/geo+json');
        // RFC 7946 6.1 allows members beyond type and features ("foreign members").
        return { ...toGeoJsonTrack(points, subject), ...about };
      case 'csv': {
        const name = 'vehicleId' in subject ? `vehicle-${subject.vehicleId}` : `waybill-${subject.waybillId}`;
        res.type('text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="track-${name}.csv"`);
        return toCsvTrack(points);
      }
    }
  }
}
