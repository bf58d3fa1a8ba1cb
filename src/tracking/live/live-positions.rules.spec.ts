import { liveItem, planEmits, regionPrefixesOf, type LiveItem } from './live-positions.rules.js';

const item = (vehicleId: string, waybillId: string | null = null, second = 0): LiveItem =>
  liveItem({ vehicleId, waybillId, fixTime: new Date(Date.UTC(2026, 10, 29, 8, 0, second)), lat: 39.6, lon: 109.8, speedKmh: 40, course: 90, alarmBits: 0 });

const rooms = (...names: string[]) => {
  const set = new Set(names);
  return (room: string) => set.has(room);
};

describe('regionPrefixesOf', () => {
  it('should name the province, city and county prefixes, widest first', () => {
    expect(regionPrefixesOf('150102')).toEqual(['15', '1501', '150102']);
    expect(regionPrefixesOf('150100')).toEqual(['15', '1501']);
    expect(regionPrefixesOf('150000')).toEqual(['15']);
  });
});

describe('planEmits', () => {
  it('should emit nothing when nobody on this process watches', () => {
    expect(planEmits([['150102', [item('v1'), item('v2')]]], rooms())).toEqual([]);
  });

  it('should send a vehicle its positions in one emit, to the vehicle and its waybill room together', () => {
    const a = item('v1', 'w1', 0);
    const b = item('v1', 'w1', 10);
    expect(planEmits([['150102', [a, b, item('v2')]]], rooms('vehicle:v1', 'waybill:w1'))).toEqual([
      { to: ['vehicle:v1', 'waybill:w1'], except: ['region-positions:15', 'region-positions:1501', 'region-positions:150102'], items: [a, b] },
    ]);
  });

  it('should batch a region room, and keep its watchers out of the vehicle emits', () => {
    const a = item('v1');
    const b = item('v2');
    const plan = planEmits([['150102', [a, b]]], rooms('region-positions:1501', 'vehicle:v2'));
    expect(plan).toEqual([
      { to: ['region-positions:1501'], except: ['region-positions:15'], items: [a, b] },
      { to: ['vehicle:v2'], except: ['region-positions:15', 'region-positions:1501', 'region-positions:150102'], items: [b] },
    ]);
  });

  it('should reach each region room with the positions of every county inside it', () => {
    const hohhot = item('v1');
    const baotou = item('v2');
    const beijing = item('v3');
    const plan = planEmits(
      [
        ['150102', [hohhot]],
        ['150203', [baotou]],
        ['110105', [beijing]],
      ],
      rooms('region-positions:15', 'region-positions:150203', 'region-positions:11'),
    );
    expect(plan).toEqual([
      { to: ['region-positions:15'], except: [], items: [hohhot, baotou] },
      { to: ['region-positions:150203'], except: ['region-positions:15', 'region-positions:1502'], items: [baotou] },
      { to: ['region-positions:11'], except: [], items: [beijing] },
    ]);
  });

  it('should reach only the vehicle and waybill rooms when the region is unknown', () => {
    const a = item('v1', 'w1');
    expect(planEmits([[null, [a]]], rooms('region-positions:15', 'waybill:w1'))).toEqual([{ to: ['waybill:w1'], except: [], items: [a] }]);
  });
});
