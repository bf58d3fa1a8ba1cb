import { createViaApi, phoneFor, plateFor, simulatedFleet } from './simulator.fleet.js';

type Call = { method: string; path: string; body: unknown; auth: string | null };

// A stand-in for the REST API with the fleet endpoints' answers (status codes and error codes as FleetService
// gives them).
function fakeApi(state: { vehicles: Map<string, string>; terminals: Map<string, { id: string; vehicleId: string | null }>; rateLimitOnce?: boolean }) {
  const calls: Call[] = [];
  let ids = 0;
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    const method = init?.method ?? 'GET';
    calls.push({ method, path: url.pathname + url.search, body, auth: new Headers(init?.headers).get('authorization') });
    if (state.rateLimitOnce) {
      state.rateLimitOnce = false;
      return json(429, { status: 429, code: 'TOO_MANY_REQUESTS', message: 'slow down' }, { 'retry-after': '0' });
    }
    if (method === 'GET' && url.pathname === '/terminals') {
      const q = url.searchParams.get('q')!;
      const t = state.terminals.get(q);
      return json(200, { items: t ? [{ id: t.id, phone: q, vehicleId: t.vehicleId }] : [], total: t ? 1 : 0 });
    }
    if (method === 'GET' && url.pathname === '/vehicles') {
      const q = url.searchParams.get('q')!;
      const id = state.vehicles.get(q);
      return json(200, { items: id ? [{ id, plateNumber: q }] : [], total: id ? 1 : 0 });
    }
    if (method === 'POST' && url.pathname === '/vehicles') {
      if (state.vehicles.has(body.plateNumber)) return json(409, { status: 409, code: 'PLATE_TAKEN', message: 'taken' });
      if (body.plateNumber.endsWith('99')) return json(422, { status: 422, code: 'VALIDATION_FAILED', message: 'bad plate' });
      const id = `v${++ids}`;
      state.vehicles.set(body.plateNumber, id);
      return json(201, { id, plateNumber: body.plateNumber });
    }
    if (method === 'POST' && url.pathname === '/terminals') {
      if (state.terminals.has(body.phone)) return json(409, { status: 409, code: 'TERMINAL_TAKEN', message: 'taken' });
      const id = `t${++ids}`;
      state.terminals.set(body.phone, { id, vehicleId: body.vehicleId });
      return json(201, { id, ...body });
    }
    const patch = /^\/terminals\/(.+)$/.exec(url.pathname);
    if (method === 'PATCH' && patch) {
      for (const t of state.terminals.values()) if (t.id === patch[1]) t.vehicleId = body.vehicleId;
      return json(200, {});
    }
    return json(404, { status: 404, code: 'ROUTE_NOT_FOUND', message: 'No such route' });
  }) as typeof fetch;
  return { fetchImpl, calls };
}

describe(createViaApi.name, () => {
  it('should create a vehicle and then its terminal, linked, with the bearer token', async () => {
    const state = { vehicles: new Map<string, string>(), terminals: new Map<string, { id: string; vehicleId: string | null }>() };
    const { fetchImpl, calls } = fakeApi(state);
    const r = await createViaApi(simulatedFleet({ count: 3 }), { baseUrl: 'http://api.test/', token: 'tok', fetch: fetchImpl, version: '2019' });
    expect(r).toEqual({ vehiclesCreated: 3, vehiclesExisting: 0, terminalsCreated: 3, terminalsExisting: 0, failures: [] });
    expect(calls.every((c) => c.auth === 'Bearer tok')).toBe(true);
    expect(calls.find((c) => c.method === 'POST' && c.path === '/vehicles')?.body).toEqual({ plateNumber: '蒙Z00001', plateColour: 'yellow', kind: 'truck', model: '模拟终端车辆' });
    expect(calls.find((c) => c.method === 'POST' && c.path === '/terminals')?.body).toEqual({
      protocol: 'jt808',
      phone: '013800000001',
      vehicleId: state.vehicles.get('蒙Z00001'),
      protocolVersion: '2019',
    });
    expect(state.terminals.get('013800000003')?.vehicleId).toBe(state.vehicles.get('蒙Z00003'));
  });

  it('should be harmless to run again, use terminals already on record, and link one without a vehicle', async () => {
    const state = {
      vehicles: new Map([['蒙Z00002', 'v-old']]),
      terminals: new Map<string, { id: string; vehicleId: string | null }>([
        ['013800000001', { id: 't-demo', vehicleId: 'v-demo' }],
        ['013800000003', { id: 't-loose', vehicleId: null }],
      ]),
      rateLimitOnce: true,
    };
    const { fetchImpl, calls } = fakeApi(state);
    const r = await createViaApi(simulatedFleet({ count: 3 }), { baseUrl: 'http://api.test', token: 'tok', fetch: fetchImpl, concurrency: 1, organisationId: 'org-1' });
    expect(r).toEqual({ vehiclesCreated: 1, vehiclesExisting: 1, terminalsCreated: 1, terminalsExisting: 2, failures: [] });
    // No vehicle made for the terminal that has one; the loose terminal got the new vehicle.
    expect(state.vehicles.has('蒙Z00001')).toBe(false);
    expect(state.terminals.get('013800000002')?.vehicleId).toBe('v-old');
    expect(state.terminals.get('013800000003')?.vehicleId).toBe(state.vehicles.get('蒙Z00003'));
    expect(calls.filter((c) => c.method === 'POST').every((c) => c.path.endsWith('?organisationId=org-1'))).toBe(true);
    expect(calls[0]!.path).toBe(calls[1]!.path); // the rate-limited call was retried
  });

  it('should report the records it could not create and carry on', async () => {
    const state = { vehicles: new Map<string, string>(), terminals: new Map<string, { id: string; vehicleId: string | null }>() };
    const { fetchImpl } = fakeApi(state);
    const r = await createViaApi(simulatedFleet({ count: 2, firstIndex: 98 }), { baseUrl: 'http://api.test', token: 'tok', fetch: fetchImpl });
    expect(r.terminalsCreated).toBe(1);
    expect(r.failures).toEqual([{ phone: '013800000099', plate: '蒙Z00099', step: 'vehicle', status: 422, code: 'VALIDATION_FAILED', message: 'bad plate' }]);
    const down = await createViaApi(simulatedFleet({ count: 1 }), {
      baseUrl: 'http://api.test',
      token: 'tok',
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
    });
    expect(down.failures).toMatchObject([{ status: 0, code: 'NETWORK_ERROR', message: 'fetch failed' }]);
  });
});

describe('simulated fleet', () => {
  it('should derive 12-digit phones and 蒙Z plates from the index', () => {
    expect(phoneFor('0138', 1)).toBe('013800000001');
    expect(phoneFor('', 42)).toBe('000000000042');
    expect(() => phoneFor('0138', 123_456_789)).toThrow(RangeError);
    expect(() => phoneFor('01a', 1)).toThrow(RangeError);
    expect(plateFor('蒙Z', 7)).toBe('蒙Z00007');
    expect(() => plateFor('蒙Z', 100_000)).toThrow(RangeError);
    expect(simulatedFleet({ count: 2, firstIndex: 500 })).toEqual([
      { phone: '013800000500', plate: '蒙Z00500' },
      { phone: '013800000501', plate: '蒙Z00501' },
    ]);
  });
});
