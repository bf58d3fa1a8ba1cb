// The electronic waybill lifecycle (DOMAIN.md 3.1(a) "States and transitions") as data plus pure functions, in the
// Vendure FSM style: WAYBILL_TRANSITIONS is the whole machine, everything else reads it. The service loads the
// waybill, asks checkTransition, then writes the new status and a hash-chained event (hash-chain.ts).
//
// Deliberate readings of DOMAIN.md:
// - "amend → new version" is a transition issued→issued (action 'amend'); the version number is the service's job.
//   An amendment of a checked or check_failed waybill goes back to issued, because the check was made against the
//   old vehicle/tank/crew and no longer holds (Order 29 ch. 5: the loader checks what actually arrives).
// - CANCELLED only before LOADING (DOMAIN.md table); once filling has started the way out is ABORTED.
// - ABORTED means loading was abandoned, so it can only be closed, never delivered.
// - ARRIVED may still turn into INCIDENT (a leak while waiting to unload).

export const WAYBILL_STATUSES = [
  'draft',
  'issued',
  'check_failed',
  'checked',
  'loading',
  'loaded',
  'in_transit',
  'arrived',
  'delivered',
  'discrepancy',
  'closed',
  'cancelled',
  'aborted',
  'incident',
] as const;
export type WaybillStatus = (typeof WAYBILL_STATUSES)[number];

export const WAYBILL_ACTIONS = [
  'issue',
  'cancel',
  'amend',
  'check-pass',
  'check-fail',
  'start-loading',
  'finish-loading',
  'abort',
  'depart',
  'arrive',
  'report-incident',
  'deliver',
  'reconcile-ok',
  'reconcile-discrepancy',
  'resolve-discrepancy',
  'close',
] as const;
export type WaybillAction = (typeof WAYBILL_ACTIONS)[number];

// Who acts on a waybill. 'system' is the platform itself (geofence entry/exit, automatic reconciliation); it is not a
// role a user or API key can hold (accounts/roles.ts), so no person can claim to be it. Other account roles
// (org_admin, monitor) grant no transition.
export const WAYBILL_ACTOR_ROLES = ['shipper', 'carrier', 'loader', 'consignee', 'authority', 'admin', 'system'] as const;
export type WaybillActorRole = (typeof WAYBILL_ACTOR_ROLES)[number];

export type WaybillTransition = {
  readonly from: WaybillStatus;
  readonly to: WaybillStatus;
  readonly action: WaybillAction;
  readonly roles: readonly WaybillActorRole[];
};

// Roles follow who witnesses the fact being recorded:
// - the shipper issues and amends the waybill it fills in (the "shippers issue electronic waybills"); the
//   carrier, which makes and signs the 运单 under Order 29 art. 24 (DOMAIN.md 1.3), may too;
// - the loader (装货人) runs the pre-loading check and records loading (Order 29 ch. 5; DOMAIN.md 1.4);
// - departure and arrival come from the driver's app (carrier) or from the geofences (system);
// - the consignee records what was received; reconciliation is computed (system), and a discrepancy may also be
//   raised by the consignee (broken seal) or the authority;
// - a discrepancy is resolved by the shipper or an authority (DOMAIN.md 3.1(a): investigation and sign-off);
// - admin (platform operator, not a party to the transport) may only cancel before loading: it never records a
//   fact it did not witness.
const CANCELLERS: readonly WaybillActorRole[] = ['shipper', 'carrier', 'admin'];

export const WAYBILL_TRANSITIONS: readonly WaybillTransition[] = [
  { from: 'draft', to: 'issued', action: 'issue', roles: ['shipper', 'carrier'] },
  { from: 'draft', to: 'cancelled', action: 'cancel', roles: CANCELLERS },

  { from: 'issued', to: 'checked', action: 'check-pass', roles: ['loader'] },
  { from: 'issued', to: 'check_failed', action: 'check-fail', roles: ['loader'] },
  { from: 'issued', to: 'cancelled', action: 'cancel', roles: CANCELLERS },
  { from: 'issued', to: 'issued', action: 'amend', roles: ['shipper', 'carrier'] },

  // Re-check after the carrier substituted vehicle/tank/person on site, or amend and go back for a new check.
  { from: 'check_failed', to: 'checked', action: 'check-pass', roles: ['loader'] },
  { from: 'check_failed', to: 'cancelled', action: 'cancel', roles: CANCELLERS },
  { from: 'check_failed', to: 'issued', action: 'amend', roles: ['shipper', 'carrier'] },

  { from: 'checked', to: 'loading', action: 'start-loading', roles: ['loader'] },
  { from: 'checked', to: 'cancelled', action: 'cancel', roles: CANCELLERS },
  { from: 'checked', to: 'issued', action: 'amend', roles: ['shipper', 'carrier'] },

  { from: 'loading', to: 'loaded', action: 'finish-loading', roles: ['loader'] },
  { from: 'loading', to: 'aborted', action: 'abort', roles: ['loader', 'carrier'] },

  { from: 'loaded', to: 'in_transit', action: 'depart', roles: ['carrier', 'system'] },

  { from: 'in_transit', to: 'arrived', action: 'arrive', roles: ['carrier', 'system'] },
  { from: 'in_transit', to: 'incident', action: 'report-incident', roles: ['carrier', 'authority'] },

  { from: 'arrived', to: 'delivered', action: 'deliver', roles: ['consignee'] },
  { from: 'arrived', to: 'incident', action: 'report-incident', roles: ['carrier', 'consignee', 'authority'] },

  { from: 'delivered', to: 'closed', action: 'reconcile-ok', roles: ['system'] },
  { from: 'delivered', to: 'discrepancy', action: 'reconcile-discrepancy', roles: ['system', 'consignee', 'authority'] },

  { from: 'discrepancy', to: 'closed', action: 'resolve-discrepancy', roles: ['shipper', 'authority'] },

  { from: 'aborted', to: 'closed', action: 'close', roles: ['carrier', 'authority'] },

  // After an incident the goods may still be handed over (part load, transfer to another vehicle) or not at all.
  { from: 'incident', to: 'delivered', action: 'deliver', roles: ['consignee'] },
  { from: 'incident', to: 'closed', action: 'close', roles: ['carrier', 'authority'] },
];

// Statuses in which a waybill's goods are physically on its vehicle and trailer, for mixed loading (PL-21): LOADING
// (filling has started, part of the load is on board), LOADED, IN_TRANSIT, ARRIVED (not yet unloaded) and INCIDENT
// (after an accident the goods stay on board until delivered or closed). Not DELIVERED: it means unloaded (DOMAIN.md
// 3.1(a)). Not ABORTED: an abandoned filling never leaves the site (no transition departs from it), and what stays in
// a tank is PL-15's concern. The tracking module's GOODS_ON_BOARD is this list without LOADING (positions are linked
// to a trip from the end of loading).
// The partial index waybills_on_vehicle_trailer_idx has this list as its predicate: change both together.
export const GOODS_ON_VEHICLE_STATUSES = ['loading', 'loaded', 'in_transit', 'arrived', 'incident'] as const satisfies readonly WaybillStatus[];

// Statuses from which a waybill may still be cancelled (DOMAIN.md: CANCELLED "before LOADING only").
const BEFORE_LOADING: readonly WaybillStatus[] = ['draft', 'issued', 'check_failed', 'checked'];

// Inputs usually come from the database or a request body, so lookups accept any string and simply find nothing.
export function findTransition(from: string, action: string): WaybillTransition | undefined {
  return WAYBILL_TRANSITIONS.find((t) => t.from === from && t.action === action);
}

export function canTransition(from: string, to: string): boolean {
  return WAYBILL_TRANSITIONS.some((t) => t.from === from && t.to === to);
}

// The actions at least one of `roles` may take now, in table order.
export function allowedActions(status: string, roles: readonly string[]): WaybillAction[] {
  return WAYBILL_TRANSITIONS.filter(
    (t) => t.from === status && t.roles.some((r) => roles.includes(r)),
  ).map((t) => t.action);
}

export type TransitionCheck =
  | { ok: true; to: WaybillStatus }
  | { ok: false; code: 'ILLEGAL_TRANSITION' | 'ROLE_NOT_ALLOWED'; message: string };

// ILLEGAL_TRANSITION (→ 409) is about the waybill's state and wins over ROLE_NOT_ALLOWED (→ 403), which is about the
// caller: a loader trying to cancel a loaded waybill learns that nobody may, not that someone else could.
export function checkTransition(input: { status: string; action: string; roles: readonly string[] }): TransitionCheck {
  const { status, action, roles } = input;
  const transition = findTransition(status, action);
  if (!transition) {
    return { ok: false, code: 'ILLEGAL_TRANSITION', message: `a waybill in status ${status} cannot ${action}` };
  }
  if (!transition.roles.some((r) => roles.includes(r))) {
    return {
      ok: false,
      code: 'ROLE_NOT_ALLOWED',
      message: `${action} on a ${status} waybill needs one of the roles ${transition.roles.join(', ')}`,
    };
  }
  return { ok: true, to: transition.to };
}

// Terminal = nothing can follow (closed, cancelled). A closed waybill is immutable and retained (DOMAIN.md 3.1(a)).
export function isTerminal(status: string): boolean {
  return (WAYBILL_STATUSES as readonly string[]).includes(status) && !WAYBILL_TRANSITIONS.some((t) => t.from === status);
}

export function isBeforeLoading(status: string): boolean {
  return (BEFORE_LOADING as readonly string[]).includes(status);
}
