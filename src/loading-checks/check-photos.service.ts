import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { isAdmin, type Principal } from '../accounts/principal.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../common/errors.js';
import { CheckPhoto } from './check-photo.entity.js';

// What the bytes must start with for each accepted type: the declared Content-Type is checked against the
// content, so that a renamed file or a script is not stored as a photo.
const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.length > 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/webp': (b) => b.length > 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};

export function photoProblem(contentType: string | undefined, body: unknown): string | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!SIGNATURES[type]) return 'PHOTO_TYPE_UNSUPPORTED';
  if (!Buffer.isBuffer(body) || body.length === 0) return 'PHOTO_EMPTY';
  if (!SIGNATURES[type](body)) return 'PHOTO_CONTENT_MISMATCH';
  return null;
}

@Injectable()
export class CheckPhotosService {
  constructor(private readonly ds: DataSource) {}

  async upload(p: Principal, contentType: string | undefined, body: unknown) {
    // Gate photos are the loading site's (README): an org_admin of a shipper or consignee has no gate.
    if (p.organisationKind !== 'loading_site' && !isAdmin(p)) throw new ForbiddenError('ROLE_REQUIRED', 'Only a loading site uploads gate photos');
    const problem = photoProblem(contentType, body);
    if (problem) {
      const messages: Record<string, string> = {
        PHOTO_TYPE_UNSUPPORTED: 'Send the photo as image/jpeg, image/png or image/webp',
        PHOTO_EMPTY: 'The photo is empty',
        PHOTO_CONTENT_MISMATCH: 'The content is not the image type it claims to be',
      };
      throw new BadRequestError(problem, messages[problem]!);
    }
    const data = body as Buffer;
    const sha256 = createHash('sha256').update(data).digest('hex');
    const type = contentType!.split(';')[0]!.trim().toLowerCase();
    const row = await this.ds.getRepository(CheckPhoto).save({ organisationId: p.organisationId, uploadedByUserId: p.userId, contentType: type, size: data.length, sha256, data });
    return { id: row.id, contentType: type, size: data.length, sha256 };
  }

  // Photos of the caller's organisation (or any, for administrators) that exist: ids a checklist may cite.
  async assertOwned(p: Principal, ids: string[]) {
    if (!ids.length) return;
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM check_photos WHERE id = ANY($1::uuid[]) ${isAdmin(p) ? '' : 'AND organisation_id = $2'}`, isAdmin(p) ? [ids] : [ids, p.organisationId]);
    const missing = ids.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) throw new NotFoundError('PHOTO_NOT_FOUND', 'No such photo uploaded by your organisation', { photoIds: missing });
  }

  async get(p: Principal, id: string): Promise<CheckPhoto> {
    const photo = await this.ds.getRepository(CheckPhoto).createQueryBuilder('x').addSelect('x.data').where('x.id = :id', { id }).getOne();
    if (!photo) throw new NotFoundError('PHOTO_NOT_FOUND', 'No such photo');
    if (!isAdmin(p) && photo.organisationId !== p.organisationId) {
      // Authorities and the waybill's parties see photos through the checks that cite them.
      const [cited] = await this.ds.query(
        `SELECT 1 FROM loading_checks c JOIN waybills w ON w.id = c.waybill_id
          WHERE c.checklist::text LIKE '%' || $1 || '%' AND $2 IN (w.shipper_id, w.carrier_id, w.loading_site_id) LIMIT 1`,
        [id, p.organisationId],
      );
      if (!cited) throw new NotFoundError('PHOTO_NOT_FOUND', 'No such photo');
    }
    return photo;
  }
}
