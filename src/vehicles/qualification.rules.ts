import { certificateStatus, type CertificateStatus } from './certificate.rules.js';

// Which certificates a vehicle combination and its crew need, and their status on a day (DOMAIN.md 3.1(b):
// PL-03 行驶证 and safety inspection, PL-04 道路运输证, PL-27 liability insurance, PL-12 tank inspection,
// PL-08 driving licence, PL-09/PL-10 从业资格证).

export type CertificateLine = {
  subject: 'vehicle' | 'trailer' | 'tank' | 'driver' | 'escort' | 'person';
  subjectId: string;
  label: string; // plate, tank number or name
  certificate: string; // stable key, e.g. vehicle.drivingLicence
  validUntil: string | null;
  status: CertificateStatus;
  daysLeft: number | null;
};

type VehicleCerts = {
  id: string;
  plateNumber: string;
  drivingLicenceValidUntil: string | null;
  nextSafetyInspection: string | null;
  transportCertValidUntil: string | null;
  insuranceValidUntil: string | null;
};
type TankCerts = { id: string; number: string; nextInspectionDate: string | null };
type PersonCerts = { id: string; name: string; categories: string[]; drivingLicenceValidUntil: string | null; qualificationValidUntil: string | null };

export const VEHICLE_CERTIFICATES = [
  ['drivingLicence', 'drivingLicenceValidUntil'],
  ['safetyInspection', 'nextSafetyInspection'],
  ['transportCertificate', 'transportCertValidUntil'],
  ['liabilityInsurance', 'insuranceValidUntil'],
] as const;
export const TANK_CERTIFICATES = [['inspection', 'nextInspectionDate']] as const;
export const PERSON_CERTIFICATES = [
  ['drivingLicence', 'drivingLicenceValidUntil'],
  ['qualification', 'qualificationValidUntil'],
] as const;

const line = (
  subject: CertificateLine['subject'],
  subjectId: string,
  label: string,
  certificate: string,
  validUntil: string | null,
  today: string,
  withinDays: number,
): CertificateLine => {
  const status = certificateStatus(validUntil, today, withinDays);
  const daysLeft = validUntil ? Math.round((Date.parse(validUntil) - Date.parse(today)) / 86_400_000) : null;
  return { subject, subjectId, label, certificate, validUntil, status, daysLeft };
};

export function vehicleCertificates(v: VehicleCerts, subject: 'vehicle' | 'trailer', today: string, withinDays: number): CertificateLine[] {
  return VEHICLE_CERTIFICATES.map(([name, field]) => line(subject, v.id, v.plateNumber, `vehicle.${name}`, v[field], today, withinDays));
}

export function tankCertificates(t: TankCerts, today: string, withinDays: number): CertificateLine[] {
  return TANK_CERTIFICATES.map(([name, field]) => line('tank', t.id, t.number, `tank.${name}`, t[field], today, withinDays));
}

// Only drivers need a driving licence; everyone needs a qualification certificate (从业资格证).
export function personCertificates(p: PersonCerts, subject: 'driver' | 'escort' | 'person', today: string, withinDays: number): CertificateLine[] {
  return PERSON_CERTIFICATES.filter(([name]) => name !== 'drivingLicence' || p.categories.includes('driver')).map(([name, field]) =>
    line(subject, p.id, p.name, `person.${name}`, p[field], today, withinDays),
  );
}

// The worst status wins: missing and expired both make a combination unfit.
export function overallStatus(lines: CertificateLine[]): CertificateStatus {
  for (const s of ['expired', 'missing', 'expiring'] as const) if (lines.some((l) => l.status === s)) return s;
  return 'valid';
}
