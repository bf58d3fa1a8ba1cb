import { checkRegionCode, isInRegion, regionPrefix } from './region.rules.js';

describe('region rules', () => {
  it.each([
    ['150000', null],
    ['150102', null],
    ['110105', null],
    ['15010', 'FORMAT'],
    ['15a102', 'FORMAT'],
    ['990000', 'UNKNOWN_PROVINCE'],
    ['150002', 'COUNTY_WITHOUT_CITY'],
  ])('should check %s as %s', (code, problem) => {
    expect(checkRegionCode(code)).toBe(problem);
  });

  it('should derive the jurisdiction prefix from the zero padding', () => {
    expect(regionPrefix('150000')).toBe('15');
    expect(regionPrefix('150100')).toBe('1501');
    expect(regionPrefix('150102')).toBe('150102');
  });

  it('should scope a provincial authority to every code in its province and nothing else', () => {
    expect(isInRegion('150000', '150102')).toBe(true);
    expect(isInRegion('150000', '152900')).toBe(true);
    expect(isInRegion('150000', '110105')).toBe(false);
    expect(isInRegion('150100', '150200')).toBe(false);
    expect(isInRegion('150100', '150105')).toBe(true);
  });
});
