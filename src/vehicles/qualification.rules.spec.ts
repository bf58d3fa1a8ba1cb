import { overallStatus, personCertificates, tankCertificates, vehicleCertificates } from './qualification.rules.js';

describe('qualification rules', () => {
  const vehicle = {
    id: 'v1',
    plateNumber: '蒙B12345',
    drivingLicenceValidUntil: '2027-06-30',
    nextSafetyInspection: '2026-12-10',
    transportCertValidUntil: '2026-11-28',
    insuranceValidUntil: null,
  };

  it('should list each vehicle certificate with its status on the day', () => {
    const lines = vehicleCertificates(vehicle, 'vehicle', '2026-11-29', 30);
    expect(lines.map((l) => [l.certificate, l.status, l.daysLeft])).toEqual([
      ['vehicle.drivingLicence', 'valid', 213],
      ['vehicle.safetyInspection', 'expiring', 11],
      ['vehicle.transportCertificate', 'expired', -1],
      ['vehicle.liabilityInsurance', 'missing', null],
    ]);
  });

  it('should count a certificate valid through its last day and expiring on it', () => {
    const [l] = tankCertificates({ id: 't1', number: 'T-01', nextInspectionDate: '2026-11-29' }, '2026-11-29', 30);
    expect([l!.status, l!.daysLeft]).toEqual(['expiring', 0]);
    const [next] = tankCertificates({ id: 't1', number: 'T-01', nextInspectionDate: '2026-11-29' }, '2026-11-30', 30);
    expect(next!.status).toBe('expired');
  });

  it('should ask a driving licence of drivers only', () => {
    const escort = { id: 'p1', name: '押运员', categories: ['escort'], drivingLicenceValidUntil: null, qualificationValidUntil: '2028-01-01' };
    expect(personCertificates(escort, 'escort', '2026-11-29', 30).map((l) => l.certificate)).toEqual(['person.qualification']);
    const driver = { ...escort, categories: ['driver'] };
    expect(personCertificates(driver, 'driver', '2026-11-29', 30).map((l) => [l.certificate, l.status])).toEqual([
      ['person.drivingLicence', 'missing'],
      ['person.qualification', 'valid'],
    ]);
  });

  it('should let the worst status decide the whole', () => {
    const lines = vehicleCertificates(vehicle, 'vehicle', '2026-11-29', 30);
    expect(overallStatus(lines)).toBe('expired');
    expect(overallStatus(lines.filter((l) => l.status !== 'expired'))).toBe('missing');
    expect(overallStatus(lines.filter((l) => l.status === 'valid' || l.status === 'expiring'))).toBe('expiring');
    expect(overallStatus([])).toBe('valid');
  });
});
