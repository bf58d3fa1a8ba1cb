import type { Jt808Version } from '../terminal/jt808/jt808.decoder.js';
import type { SimulatedTerminalSpec } from './simulator.js';

// The simulated fleet: terminal phone numbers and plates derived from an index, and creating the matching
// vehicle and terminal records through the REST API. The platform only accepts JT/T 808 terminals it knows: a
// carrier registers each terminal (POST /terminals with its phone number, linked to a vehicle) before the
// terminal's 0x0100 registration can succeed; an unknown phone gets 0x8100 result 4 (no such terminal).

// 12 BCD digits (the 2013 header's BCD[6]): the prefix, then the index zero-padded to fill.
export function phoneFor(prefix: string, index: number): string {
  if (!/^\d{0,11}$/.test(prefix)) throw new RangeError(`phone prefix "${prefix}" must be up to 11 digits`);
  const digits = String(index);
  if (!Number.isInteger(index) || index < 0 || prefix.length + digits.length > 12) {
    throw new RangeError(`index ${index} does not fit a 12-digit phone number after prefix "${prefix}"`);
  }
  return prefix + digits.padStart(12 - prefix.length, '0');
}

// 蒙Z + 5 digits (GA 36-2018 ordinary plate; Inner Mongolia has no authority letter Z, so no real vehicle
// shares these plates).
export function plateFor(prefix: string, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 99_999) throw new RangeError(`plate index ${index} must be 0-99999`);
  return prefix + String(index).padStart(5, '0');
}

export type FleetOptions = {
  count: number;
  firstIndex?: number; // default 1: 013800000001 / 蒙Z00001
  phonePrefix?: string; // default 0138
  platePrefix?: string; // default 蒙Z
};

export function simulatedFleet(options: FleetOptions): SimulatedTerminalSpec[] {
  const first = options.firstIndex ?? 1;
  return Array.from({ length: options.count }, (_, i) => ({
    phone: phoneFor(options.phonePrefix ?? '0138', first + i),
    plate: plateFor(options.platePrefix ?? '蒙Z', first + i),
  }));
}

export type CreateViaApiOptions = {
  baseUrl: string; // e.g. http://localhost:3000
  token: string; // bearer token (or an API key) of a carrier's org_admin / carrier user, or of an admin
  organisationId?: string; // admins must name the carrier
  version?: Jt808Version;
  concurrency?: number; // default 8
  fetch?: typeof fetch;
  log?: (line: string) => void;
};

export type CreateViaApiResult = {
  vehiclesCreated: number;
  vehiclesExisting: number;
  terminalsCreated: number;
  terminalsExisting: number;
  failures: { phone: string; plate: string; step: 'vehicle' | 'terminal'; status: number; code: string; message: string }[];
};

type ApiAnswer = { status: number; body: Record<string, unknown> };

// POST /vehicles then POST /terminals with the vehicle id, for every terminal. Re-running is harmless: a terminal
// or plate that exists already is looked up and counted as existing.
export async function createViaApi(terminals: readonly SimulatedTerminalSpec[], options: CreateViaApiOptions): Promise<CreateViaApiResult> {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const query = options.organisationId ? `?organisationId=${encodeURIComponent(options.organisationId)}` : '';
  const result: CreateViaApiResult = { vehiclesCreated: 0, vehiclesExisting: 0, terminalsCreated: 0, terminalsExisting: 0, failures: [] };

  async function call(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<ApiAnswer> {
    for (let attempt = 0; ; attempt++) {
      const res = await doFetch(base + path, {
        method,
        headers: { authorization: `Bearer ${options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      // Rate limited: wait as told, a few times.
      if (res.status === 429 && attempt < 5) {
        const wait = Number(res.headers.get('retry-after'));
        await new Promise((r) => setTimeout(r, (Number.isFinite(wait) && wait > 0 ? wait : 1) * 1000));
        continue;
      }
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = { message: text.slice(0, 200) };
      }
      return { status: res.status, body: parsed };
    }
  }

  const fail = (spec: SimulatedTerminalSpec, step: 'vehicle' | 'terminal', a: ApiAnswer) => {
    const failure = { phone: spec.phone, plate: spec.plate, step, status: a.status, code: String(a.body.code ?? 'HTTP_ERROR'), message: String(a.body.message ?? '') };
    result.failures.push(failure);
    options.log?.(`${spec.phone} ${spec.plate}: ${step} ${a.status} ${failure.code} ${failure.message}`);
  };

  async function vehicleFor(spec: SimulatedTerminalSpec): Promise<string | null> {
    const created = await call('POST', `/vehicles${query}`, { plateNumber: spec.plate, plateColour: 'yellow', kind: 'truck', model: '模拟终端车辆' });
    if (created.status === 201 || created.status === 200) {
      result.vehiclesCreated++;
      return String(created.body.id);
    }
    if (created.status === 409 && created.body.code === 'PLATE_TAKEN') {
      const params = new URLSearchParams({ q: spec.plate, limit: '10' });
      if (options.organisationId) params.set('organisationId', options.organisationId);
      const found = await call('GET', `/vehicles?${params}`);
      const items = (found.body.items ?? []) as { id: string; plateNumber: string }[];
      const match = items.find((v) => v.plateNumber === spec.plate);
      if (match) {
        result.vehiclesExisting++;
        return match.id;
      }
    }
    fail(spec, 'vehicle', created);
    return null;
  }

  async function one(spec: SimulatedTerminalSpec): Promise<void> {
    // A terminal on record already (an earlier run, or a demo vehicle's own terminal) is used as it is; one left
    // without a vehicle gets one, since the platform refuses to register it otherwise (0x8100 result 2).
    const params = new URLSearchParams({ q: spec.phone, limit: '10' });
    if (options.organisationId) params.set('organisationId', options.organisationId);
    const found = await call('GET', `/terminals?${params}`);
    const existing = ((found.body.items ?? []) as { id: string; phone: string; vehicleId: string | null }[]).find((t) => t.phone === spec.phone);
    if (existing?.vehicleId) {
      result.terminalsExisting++;
      return;
    }
    const vehicleId = await vehicleFor(spec);
    if (!vehicleId) return;
    if (existing) {
      const linked = await call('PATCH', `/terminals/${existing.id}`, { vehicleId });
      if (linked.status === 200) result.terminalsExisting++;
      else fail(spec, 'terminal', linked);
      return;
    }
    const created = await call('POST', `/terminals${query}`, { protocol: 'jt808', phone: spec.phone, vehicleId, protocolVersion: options.version ?? '2013' });
    if (created.status === 201 || created.status === 200) result.terminalsCreated++;
    else if (created.status === 409 && created.body.code === 'TERMINAL_TAKEN') result.terminalsExisting++;
    else fail(spec, 'terminal', created);
  }

  let next = 0;
  const worker = async () => {
    while (next < terminals.length) {
      const spec = terminals[next++]!;
      try {
        await one(spec);
      } catch (e) {
        fail(spec, 'vehicle', { status: 0, body: { code: 'NETWORK_ERROR', message: e instanceof Error ? e.message : String(e) } });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(terminals.length, options.concurrency ?? 8) }, worker));
  return result;
}
