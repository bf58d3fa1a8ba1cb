import { actingRoles } from './waybill-acting.rules.js';

describe('actingRoles', () => {
  it('should keep the carrier part for a dispatcher and an org_admin', () => {
    expect(actingRoles(['carrier'], ['carrier'])).toEqual(['carrier']);
    expect(actingRoles(['carrier'], ['org_admin'])).toEqual(['carrier']);
  });

  it("should drop the carrier part for the carrier's safety monitor", () => {
    expect(actingRoles(['carrier'], ['monitor'])).toEqual([]);
  });

  it('should keep only the parts the user roles fit when an organisation plays several', () => {
    expect(actingRoles(['shipper', 'carrier'], ['shipper'])).toEqual(['shipper']);
  });

  it('should let an administrator act as administrator only', () => {
    expect(actingRoles(['admin'], ['admin'])).toEqual(['admin']);
    expect(actingRoles(['admin', 'shipper'], ['admin'])).toEqual(['admin']);
  });

  it('should never let anyone act as the system', () => {
    expect(actingRoles(['system'], ['admin', 'org_admin'])).toEqual([]);
  });
});
