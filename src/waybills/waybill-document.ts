import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';

// The signed document of one waybill version: what the QR's hash covers, what the print view shows and what
// public verification reveals a part of. Only data that travels with the vehicle goes in (no internal ids
// beyond the waybill's own, ID numbers masked).

type Party = { id: string; name: string; uscc: string | null; regionCode: string; contactPhone: string | null } | null;
type PlaceDoc = { id: string; name: string; address: string; regionCode: string; lat: number; lon: number } | null;

export type WaybillDocument = {
  number: string;
  version: number;
  issuedAt: string;
  shipper: Party;
  consignee: Party;
  carrier: Party;
  loadingSite: Party;
  origin: PlaceDoc;
  destination: PlaceDoc;
  plannedDepartureAt: string | null;
  plannedArrivalAt: string | null;
  plannedRoute: string | null;
  emergencyContact: { name: string | null; phone: string | null; measures: string | null };
  vehicle: { plateNumber: string; plateColour: string } | null;
  trailer: { plateNumber: string } | null;
  tank: { number: string; tankCode: string | null } | null;
  driver: { name: string; idNumberMasked: string; qualificationCertNumber: string | null } | null;
  escort: { name: string; idNumberMasked: string; qualificationCertNumber: string | null } | null;
  permits: { type: string; number: string; issuer: string }[];
  lines: {
    lineNo: number;
    unNumber: string;
    name: string;
    hazardClass: string;
    subsidiaryRisks: string[];
    packingGroup: string | null;
    labels: string[];
    tunnelCode: string | null;
    packagingType: string | null;
    packageCount: number | null;
    declaredQuantity: number;
    unit: string;
    sdsRef: string | null;
    labelRef: string | null;
  }[];
};

export const documentHash = (doc: WaybillDocument) => createHash('sha256').update(canonicalJson(doc)).digest('hex');

// What anyone who scans the QR may see: no people, no contact numbers, no coordinates.
export function publicEssentials(doc: WaybillDocument) {
  return {
    number: doc.number,
    version: doc.version,
    issuedAt: doc.issuedAt,
    shipper: doc.shipper?.name ?? null,
    consignee: doc.consignee?.name ?? null,
    carrier: doc.carrier?.name ?? null,
    origin: doc.origin ? `${doc.origin.name}` : null,
    destination: doc.destination ? `${doc.destination.name}` : null,
    plannedDepartureAt: doc.plannedDepartureAt,
    plannedArrivalAt: doc.plannedArrivalAt,
    vehicle: doc.vehicle?.plateNumber ?? null,
    trailer: doc.trailer?.plateNumber ?? null,
    goods: doc.lines.map((l) => ({
      unNumber: `UN${l.unNumber}`,
      name: l.name,
      hazardClass: l.hazardClass,
      packingGroup: l.packingGroup,
      quantity: l.declaredQuantity,
      unit: l.unit,
      packageCount: l.packageCount,
    })),
  };
}
