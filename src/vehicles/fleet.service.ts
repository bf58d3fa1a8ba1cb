import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, In, type EntityManager } from 'typeorm';
import { sha256 } from '../accounts/auth.service.js';
import { Revocations } from '../accounts/revocations.js';
import type { Principal } from '../accounts/principal.js';
import { BadRequestError, NotFoundError } from '../common/errors.js';
import { DangerousGoodsService } from '../dangerous-goods/dangerous-goods.service.js';
import type { CreatePerson, CreateTank, CreateTerminal, CreateVehicle, ListFleet } from './fleet.dto.js';
import { FleetRecords, type FleetResource } from './fleet-records.js';
import { maskIdNumber } from './id-number.rules.js';
import { Person } from './person.entity.js';
import { Tank } from './tank.entity.js';
import { Terminal } from './terminal.entity.js';
import { Vehicle } from './vehicle.entity.js';

export const VEHICLES: FleetResource<Vehicle> = {
  name: 'vehicle',
  entity: Vehicle,
  notFound: 'VEHICLE_NOT_FOUND',
  ownerKinds: ['carrier'],
  searchColumns: ['plate_number', 'transport_cert_number'],
  expiryColumns: ['driving_licence_valid_until', 'next_safety_inspection', 'transport_cert_valid_until', 'insurance_valid_until'],
  uniques: { vehicles_plate_number_uq: { code: 'PLATE_TAKEN', message: (v) => `A vehicle with plate ${v.plateNumber} is registered already` } },
  view: (v) => v,
};

export const TANKS: FleetResource<Tank> = {
  name: 'tank',
  entity: Tank,
  notFound: 'TANK_NOT_FOUND',
  ownerKinds: ['carrier'],
  searchColumns: ['number', 'tank_code'],
  expiryColumns: ['next_inspection_date'],
  uniques: { tanks_number_uq: { code: 'TANK_NUMBER_TAKEN', message: (t) => `Tank ${t.number} is registered already` } },
  view: (t) => t,
};

export const PEOPLE: FleetResource<Person> = {
  name: 'person',
  entity: Person,
  notFound: 'PERSON_NOT_FOUND',
  ownerKinds: ['carrier', 'loading_site'],
  searchColumns: ['name', 'qualification_cert_number'],
  expiryColumns: ['driving_licence_valid_until', 'qualification_valid_until'],
  uniques: { people_id_number_uq: { code: 'ID_NUMBER_TAKEN', message: () => 'A person with this ID number is registered already' } },
  // The ID number is stored for identity checks and never shown in full.
  view: ({ idNumber, ...rest }) => ({ ...rest, idNumberMasked: idNumber ? maskIdNumber(idNumber) : null }),
};

export const TERMINALS: FleetResource<Terminal> = {
  name: 'terminal',
  entity: Terminal,
  notFound: 'TERMINAL_NOT_FOUND',
  ownerKinds: ['carrier'],
  searchColumns: ['phone', 'device_id'],
  expiryColumns: [],
  uniques: {
    terminals_phone_uq: { code: 'TERMINAL_TAKEN', message: (t) => `Terminal ${t.phone} is registered already` },
    terminals_vehicle_id_uq: { code: 'VEHICLE_HAS_TERMINAL', message: () => 'That vehicle has a terminal already' },
  },
  view: ({ authCode: _a, appTokenHash: _h, ...rest }) => rest,
};

type WithOrg = { organisationId?: string };

// Vehicles, tanks, people and terminals of carriers (and loading sites' own loading managers): the master
// data every pre-loading check and alarm relies on.
@Injectable()
export class FleetService {
  constructor(
    private readonly ds: DataSource,
    readonly records: FleetRecords,
    private readonly goods: DangerousGoodsService,
    private readonly revocations: Revocations,
  ) {}

  // ---- vehicles
  getVehicle = (p: Principal, id: string) => this.records.get(p, VEHICLES, id);
  listVehicles = (p: Principal, q: ListFleet) => this.records.list(p, VEHICLES, q);
  retireVehicle = (p: Principal, id: string, requestId?: string) => this.records.retire(p, VEHICLES, id, requestId);

  createVehicle(p: Principal, input: CreateVehicle & WithOrg, requestId?: string, m?: EntityManager) {
    return this.inTransaction(m, async (tx) => {
      const org = await this.records.ownerFor(p, VEHICLES, input.organisationId, tx);
      await this.checkVehicleLinks(tx, org.id, input);
      return this.records.insert(p, VEHICLES, { ...input, organisationId: org.id }, tx, requestId);
    });
  }

  updateVehicle(p: Principal, id: string, input: Partial<CreateVehicle>, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const before = await this.records.getForWrite(p, VEHICLES, id, m);
      await this.checkVehicleLinks(m, before.organisationId, input);
      return this.records.patch(p, VEHICLES, before, input, m, requestId);
    });
  }

  // ---- tanks
  getTank = (p: Principal, id: string) => this.records.get(p, TANKS, id);
  listTanks = (p: Principal, q: ListFleet) => this.records.list(p, TANKS, q);
  retireTank = (p: Principal, id: string, requestId?: string) => this.records.retire(p, TANKS, id, requestId);

  createTank(p: Principal, input: CreateTank & WithOrg, requestId?: string, m?: EntityManager) {
    return this.inTransaction(m, async (tx) => {
      const org = await this.records.ownerFor(p, TANKS, input.organisationId, tx);
      this.checkTankGoods(input);
      if (input.vehicleId) await this.assertOwned(tx, Vehicle, org.id, input.vehicleId, 'vehicleId');
      return this.records.insert(p, TANKS, { ...input, organisationId: org.id }, tx, requestId);
    });
  }

  updateTank(p: Principal, id: string, input: Partial<CreateTank>, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const before = await this.records.getForWrite(p, TANKS, id, m);
      this.checkTankGoods(input);
      if (input.vehicleId) await this.assertOwned(m, Vehicle, before.organisationId, input.vehicleId, 'vehicleId');
      return this.records.patch(p, TANKS, before, input, m, requestId);
    });
  }

  // ---- people
  getPerson = async (p: Principal, id: string) => PEOPLE.view(await this.records.get(p, PEOPLE, id));
  listPeople = (p: Principal, q: ListFleet) => this.records.list(p, PEOPLE, q);
  retirePerson = (p: Principal, id: string, requestId?: string) => this.records.retire(p, PEOPLE, id, requestId);

  createPerson(p: Principal, input: CreatePerson & WithOrg, requestId?: string, m?: EntityManager) {
    return this.inTransaction(m, async (tx) => {
      const org = await this.records.ownerFor(p, PEOPLE, input.organisationId, tx);
      this.checkPersonCategories(org.kind, input.categories);
      return PEOPLE.view(await this.records.insert(p, PEOPLE, { ...input, organisationId: org.id }, tx, requestId));
    });
  }

  updatePerson(p: Principal, id: string, input: Partial<CreatePerson>, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const before = await this.records.getForWrite(p, PEOPLE, id, m);
      if (input.categories) {
        const [{ kind }] = await m.query(`SELECT kind FROM organisations WHERE id = $1`, [before.organisationId]);
        this.checkPersonCategories(kind, input.categories);
      }
      return PEOPLE.view(await this.records.patch(p, PEOPLE, before, input, m, requestId));
    });
  }

  // ---- terminals
  getTerminal = async (p: Principal, id: string) => TERMINALS.view(await this.records.get(p, TERMINALS, id));
  listTerminals = (p: Principal, q: ListFleet) => this.records.list(p, TERMINALS, q);
  retireTerminal = async (p: Principal, id: string, requestId?: string) => {
    const retired = await this.records.retire(p, TERMINALS, id, requestId);
    this.revocations.revoked({ kind: 'terminal', terminalId: id });
    return retired;
  };

  createTerminal(p: Principal, input: CreateTerminal & WithOrg, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const org = await this.records.ownerFor(p, TERMINALS, input.organisationId, m);
      if (input.vehicleId) await this.assertOwned(m, Vehicle, org.id, input.vehicleId, 'vehicleId');
      return TERMINALS.view(await this.records.insert(p, TERMINALS, { ...input, organisationId: org.id }, m, requestId));
    });
  }

  updateTerminal(p: Principal, id: string, input: Partial<CreateTerminal>, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const before = await this.records.getForWrite(p, TERMINALS, id, m);
      if (input.vehicleId) await this.assertOwned(m, Vehicle, before.organisationId, input.vehicleId, 'vehicleId');
      // A terminal moved to another vehicle or number must register again: its auth code no longer holds.
      const reRegister = (input.vehicleId !== undefined && input.vehicleId !== before.vehicleId) || (input.phone && input.phone !== before.phone);
      const values = reRegister ? { ...input, authCode: null } : input;
      return { view: TERMINALS.view(await this.records.patch(p, TERMINALS, before, values, m, requestId)), reRegister };
    }).then(({ view, reRegister }) => {
      // An app terminal moved to another vehicle must not go on reporting for the old one over an open socket.
      if (reRegister) this.revocations.revoked({ kind: 'terminal', terminalId: id });
      return view;
    });
  }

  // A socket.io app terminal authenticates with this token (shown once; only its hash is kept).
  issueAppToken(p: Principal, id: string, requestId?: string) {
    return this.ds.transaction(async (m) => {
      const before = await this.records.getForWrite(p, TERMINALS, id, m);
      if (before.protocol !== 'app') throw new BadRequestError('NOT_AN_APP_TERMINAL', 'Tokens are for app terminals; JT/T 808 terminals register for an auth code');
      const secret = randomBytes(24).toString('base64url');
      await this.records.patch(p, TERMINALS, before, { appTokenHash: sha256(secret) }, m, requestId, 'issue-token');
      return { terminalId: id, token: `hzt_${id}_${secret}` };
    }).then((issued) => {
      // The token it replaces stops working, on open sockets too.
      this.revocations.revoked({ kind: 'terminal', terminalId: id });
      return issued;
    });
  }

  // ---- cross-record checks
  private checkTankGoods(input: Partial<CreateTank>) {
    const named = [...(input.media ?? []).map((m) => m.unNumber), ...(input.lastCargoUn ? [input.lastCargoUn] : [])];
    const unknown = this.goods.unknown(named);
    if (unknown.length) {
      throw new BadRequestError('UNKNOWN_UN_NUMBER', `Not in the dangerous-goods catalogue: ${unknown.map((u) => `UN${u}`).join(', ')}`, {
        unNumbers: unknown.map((u) => `UN${u}`),
      });
    }
  }

  private checkPersonCategories(kind: string, categories: string[]) {
    if (kind === 'loading_site' && categories.some((c) => c !== 'loading_manager')) {
      throw new BadRequestError('CATEGORY_NOT_ALLOWED', 'A loading site keeps loading managers only; drivers and escorts belong to carriers');
    }
  }

  private async checkVehicleLinks(m: EntityManager, organisationId: string, input: Partial<CreateVehicle>) {
    if (input.usualTrailerId) {
      const trailer = await this.assertOwned(m, Vehicle, organisationId, input.usualTrailerId, 'usualTrailerId');
      if (trailer.kind !== 'trailer') throw new BadRequestError('NOT_A_TRAILER', 'usualTrailerId must name a trailer');
    }
    if (input.usualTankId) await this.assertOwned(m, Tank, organisationId, input.usualTankId, 'usualTankId');
    for (const [field, category] of [
      ['usualDriverId', 'driver'],
      ['usualEscortId', 'escort'],
    ] as const) {
      const id = input[field];
      if (!id) continue;
      const person = await this.assertOwned(m, Person, organisationId, id, field);
      if (!person.categories.includes(category)) throw new BadRequestError('WRONG_PERSON_CATEGORY', `${field} must name a ${category}`);
    }
  }

  // Links between records stay inside one organisation: another carrier's record is "not found".
  private async assertOwned<E extends { id: string; organisationId: string; status: string }>(
    m: EntityManager,
    entity: new () => E,
    organisationId: string,
    id: string,
    field: string,
  ): Promise<E> {
    const row = await m.findOne(entity, { where: { id, organisationId, status: In(['active']) } as never });
    if (!row) throw new NotFoundError('LINKED_RECORD_NOT_FOUND', `${field}: no such active record in this organisation`, { field });
    return row as E;
  }

  private inTransaction<T>(m: EntityManager | undefined, fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return m ? fn(m) : this.ds.transaction(fn);
  }
}
