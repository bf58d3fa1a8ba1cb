import {
  allowedActions,
  canTransition,
  checkTransition,
  findTransition,
  isBeforeLoading,
  isTerminal,
  WAYBILL_ACTIONS,
  WAYBILL_ACTOR_ROLES,
  WAYBILL_STATUSES,
  WAYBILL_TRANSITIONS,
  type WaybillAction,
  type WaybillActorRole,
  type WaybillStatus,
} from './waybill-status.rules.js';

// The machine written out again, independently of the table under test (DOMAIN.md 3.1(a) + the brief):
// [from, to, action, roles]. Any drift between the two fails below.
const EXPECTED: [WaybillStatus, WaybillStatus, WaybillAction, WaybillActorRole[]][] = [
  ['draft', 'issued', 'issue', ['shipper', 'carrier']],
  ['draft', 'cancelled', 'cancel', ['shipper', 'carrier', 'admin']],
  ['issued', 'checked', 'check-pass', ['loader']],
  ['issued', 'check_failed', 'check-fail', ['loader']],
  ['issued', 'cancelled', 'cancel', ['shipper', 'carrier', 'admin']],
  ['issued', 'issued', 'amend', ['shipper', 'carrier']],
  ['check_failed', 'checked', 'check-pass', ['loader']],
  ['check_failed', 'cancelled', 'cancel', ['shipper', 'carrier', 'admin']],
  ['check_failed', 'issued', 'amend', ['shipper', 'carrier']],
  ['checked', 'loading', 'start-loading', ['loader']],
  ['checked', 'cancelled', 'cancel', ['shipper', 'carrier', 'admin']],
  ['checked', 'issued', 'amend', ['shipper', 'carrier']],
  ['loading', 'loaded', 'finish-loading', ['loader']],
  ['loading', 'aborted', 'abort', ['loader', 'carrier']],
  ['loaded', 'in_transit', 'depart', ['carrier', 'system']],
  ['in_transit', 'arrived', 'arrive', ['carrier', 'system']],
  ['in_transit', 'incident', 'report-incident', ['carrier', 'authority']],
  ['arrived', 'delivered', 'deliver', ['consignee']],
  ['arrived', 'incident', 'report-incident', ['carrier', 'consignee', 'authority']],
  ['delivered', 'closed', 'reconcile-ok', ['system']],
  ['delivered', 'discrepancy', 'reconcile-discrepancy', ['system', 'consignee', 'authority']],
  ['discrepancy', 'closed', 'resolve-discrepancy', ['shipper', 'authority']],
  ['aborted', 'closed', 'close', ['carrier', 'authority']],
  ['incident', 'delivered', 'deliver', ['consignee']],
  ['incident', 'closed', 'close', ['carrier', 'authority']],
];

const allowedPair = (from: WaybillStatus, to: WaybillStatus) => EXPECTED.some(([f, t]) => f === from && t === to);
const ALL_PAIRS = WAYBILL_STATUSES.flatMap((from) => WAYBILL_STATUSES.map((to) => [from, to] as const));
const REFUSED_PAIRS = ALL_PAIRS.filter(([from, to]) => !allowedPair(from, to));
const ALL_ACTION_PAIRS = WAYBILL_STATUSES.flatMap((from) => WAYBILL_ACTIONS.map((action) => [from, action] as const));
const ILLEGAL_ACTIONS = ALL_ACTION_PAIRS.filter(([from, action]) => !EXPECTED.some(([f, , a]) => f === from && a === action));
const ROLE_CASES = EXPECTED.flatMap(([from, to, action, roles]) =>
  WAYBILL_ACTOR_ROLES.map((role) => [from, to, action, role, roles.includes(role)] as const),
);

describe('WAYBILL_TRANSITIONS', () => {
  it('should hold exactly the transitions of DOMAIN.md 3.1(a)', () => {
    const actual = WAYBILL_TRANSITIONS.map((t) => [t.from, t.to, t.action, [...t.roles].sort()]);
    const expected = EXPECTED.map(([f, t, a, r]) => [f, t, a, [...r].sort()]);
    expect(actual).toHaveLength(expected.length);
    expect(actual).toEqual(expect.arrayContaining(expected));
  });

  it('should name each transition by a unique (from, action) and a unique (from, to)', () => {
    const byAction = new Set(WAYBILL_TRANSITIONS.map((t) => `${t.from}|${t.action}`));
    const byTarget = new Set(WAYBILL_TRANSITIONS.map((t) => `${t.from}|${t.to}`));
    expect(byAction.size).toBe(WAYBILL_TRANSITIONS.length);
    expect(byTarget.size).toBe(WAYBILL_TRANSITIONS.length);
  });

  it('should only use known statuses, actions and roles, each transition with at least one role', () => {
    for (const t of WAYBILL_TRANSITIONS) {
      expect(WAYBILL_STATUSES).toContain(t.from);
      expect(WAYBILL_STATUSES).toContain(t.to);
      expect(WAYBILL_ACTIONS).toContain(t.action);
      expect(t.roles.length).toBeGreaterThan(0);
      for (const r of t.roles) expect(WAYBILL_ACTOR_ROLES).toContain(r);
    }
  });

  it('should use every action somewhere', () => {
    expect(new Set(WAYBILL_TRANSITIONS.map((t) => t.action))).toEqual(new Set(WAYBILL_ACTIONS));
  });

  it('should map each action to one target status whatever the source (so an event type names its result)', () => {
    for (const action of WAYBILL_ACTIONS) {
      const targets = new Set(WAYBILL_TRANSITIONS.filter((t) => t.action === action).map((t) => t.to));
      // amend goes back to issued from issued, checked and check_failed alike
      expect({ action, targets: targets.size }).toEqual({ action, targets: 1 });
    }
  });

  it('should reach every status from draft and reach a terminal status from every status', () => {
    const reachable = (start: WaybillStatus) => {
      const seen = new Set<WaybillStatus>([start]);
      const queue = [start];
      while (queue.length) {
        const s = queue.shift()!;
        for (const t of WAYBILL_TRANSITIONS) if (t.from === s && !seen.has(t.to)) (seen.add(t.to), queue.push(t.to));
      }
      return seen;
    };
    expect(reachable('draft')).toEqual(new Set(WAYBILL_STATUSES));
    for (const s of WAYBILL_STATUSES) {
      expect([...reachable(s)].some(isTerminal)).toBe(true);
    }
  });

  it('should never leave closed or cancelled, and only cancel before loading', () => {
    expect(WAYBILL_TRANSITIONS.filter((t) => t.from === 'closed' || t.from === 'cancelled')).toEqual([]);
    for (const t of WAYBILL_TRANSITIONS.filter((t) => t.to === 'cancelled')) {
      expect(isBeforeLoading(t.from)).toBe(true);
    }
  });

  it('should never let admin record a fact (only cancel)', () => {
    const adminActions = new Set(WAYBILL_TRANSITIONS.filter((t) => t.roles.includes('admin')).map((t) => t.action));
    expect(adminActions).toEqual(new Set(['cancel']));
  });

  it('should leave reconcile-ok to the system alone', () => {
    expect(findTransition('delivered', 'reconcile-ok')?.roles).toEqual(['system']);
  });
});

describe('canTransition', () => {
  it.each(EXPECTED.map(([from, to]) => [from, to]))('should allow %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each(REFUSED_PAIRS)('should refuse %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('should cover the full 14 × 14 matrix', () => {
    expect(ALL_PAIRS).toHaveLength(196);
    expect(REFUSED_PAIRS).toHaveLength(196 - EXPECTED.length);
  });

  it('should refuse unknown statuses', () => {
    expect(canTransition('DRAFT', 'ISSUED')).toBe(false);
    expect(canTransition('draft', 'shipped')).toBe(false);
    expect(canTransition('', '')).toBe(false);
  });
});

describe('findTransition', () => {
  it.each(EXPECTED)('should find %s --%s--> via its action', (from, to, action) => {
    expect(findTransition(from, action)).toMatchObject({ from, to, action });
  });

  it.each(ILLEGAL_ACTIONS)('should find nothing for %s + %s', (from, action) => {
    expect(findTransition(from, action)).toBeUndefined();
  });

  it('should find nothing for unknown or prototype-ish names', () => {
    expect(findTransition('draft', 'constructor')).toBeUndefined();
    expect(findTransition('__proto__', 'issue')).toBeUndefined();
  });
});

describe('checkTransition', () => {
  it.each(ROLE_CASES)('should decide %s → %s (%s) for role %s: allowed=%s', (from, to, action, role, allowed) => {
    const result = checkTransition({ status: from, action, roles: [role] });
    if (allowed) {
      expect(result).toEqual({ ok: true, to });
    } else {
      expect(result).toEqual({ ok: false, code: 'ROLE_NOT_ALLOWED', message: expect.stringContaining(action) });
    }
  });

  it.each(ILLEGAL_ACTIONS)('should refuse %s + %s as ILLEGAL_TRANSITION even for every role', (from, action) => {
    expect(checkTransition({ status: from, action, roles: [...WAYBILL_ACTOR_ROLES] })).toEqual({
      ok: false,
      code: 'ILLEGAL_TRANSITION',
      message: expect.stringContaining(from),
    });
  });

  it('should allow when any one of several roles is allowed', () => {
    expect(checkTransition({ status: 'checked', action: 'start-loading', roles: ['org_admin', 'loader'] })).toEqual({
      ok: true,
      to: 'loading',
    });
  });

  it('should refuse with ROLE_NOT_ALLOWED when the caller has no role at all', () => {
    expect(checkTransition({ status: 'draft', action: 'issue', roles: [] })).toMatchObject({
      ok: false,
      code: 'ROLE_NOT_ALLOWED',
    });
  });

  it('should grant nothing to account roles outside the waybill actors (org_admin, monitor)', () => {
    for (const t of WAYBILL_TRANSITIONS) {
      expect(checkTransition({ status: t.from, action: t.action, roles: ['org_admin', 'monitor'] })).toMatchObject({
        ok: false,
        code: 'ROLE_NOT_ALLOWED',
      });
    }
  });

  it('should report ILLEGAL_TRANSITION before ROLE_NOT_ALLOWED when both apply', () => {
    expect(checkTransition({ status: 'loaded', action: 'cancel', roles: ['loader'] })).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
    });
  });

  it('should refuse cancelling once loading has started, for everyone', () => {
    for (const status of ['loading', 'loaded', 'in_transit', 'arrived', 'delivered', 'discrepancy', 'aborted', 'incident']) {
      expect(checkTransition({ status, action: 'cancel', roles: [...WAYBILL_ACTOR_ROLES] })).toMatchObject({
        ok: false,
        code: 'ILLEGAL_TRANSITION',
      });
    }
  });

  it('should keep issued on amend and send checked or check_failed back to issued', () => {
    for (const status of ['issued', 'checked', 'check_failed']) {
      expect(checkTransition({ status, action: 'amend', roles: ['carrier'] })).toEqual({ ok: true, to: 'issued' });
    }
  });

  it('should let the shipper issue and amend (Hazway: the shipper issues; the carrier signs by dispatching) but not the consignee', () => {
    expect(checkTransition({ status: 'draft', action: 'issue', roles: ['shipper'] })).toEqual({ ok: true, to: 'issued' });
    expect(checkTransition({ status: 'issued', action: 'amend', roles: ['shipper'] })).toEqual({ ok: true, to: 'issued' });
    expect(checkTransition({ status: 'draft', action: 'issue', roles: ['consignee'] })).toMatchObject({ code: 'ROLE_NOT_ALLOWED' });
  });

  it('should not let anyone but the loader pass or fail a check', () => {
    for (const role of WAYBILL_ACTOR_ROLES.filter((r) => r !== 'loader')) {
      expect(checkTransition({ status: 'issued', action: 'check-pass', roles: [role] })).toMatchObject({ ok: false });
      expect(checkTransition({ status: 'issued', action: 'check-fail', roles: [role] })).toMatchObject({ ok: false });
    }
  });

  it('should refuse an unknown status', () => {
    expect(checkTransition({ status: 'shipped', action: 'deliver', roles: ['consignee'] })).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
    });
  });
});

describe('allowedActions', () => {
  it.each(WAYBILL_STATUSES)('should list, for %s and all roles, exactly the actions of its transitions', (status) => {
    const expected = EXPECTED.filter(([f]) => f === status).map(([, , a]) => a);
    expect(allowedActions(status, [...WAYBILL_ACTOR_ROLES]).sort()).toEqual([...expected].sort());
  });

  it.each(
    WAYBILL_STATUSES.flatMap((status) => WAYBILL_ACTOR_ROLES.map((role) => [status, role] as const)),
  )('should list, for %s and role %s, the actions that role may take', (status, role) => {
    const expected = EXPECTED.filter(([f, , , roles]) => f === status && roles.includes(role)).map(([, , a]) => a);
    expect(allowedActions(status, [role]).sort()).toEqual([...expected].sort());
  });

  it('should give a shipper amend and cancel on an issued waybill', () => {
    expect(allowedActions('issued', ['shipper']).sort()).toEqual(['amend', 'cancel']);
  });

  it('should give a carrier amend and cancel on a checked waybill', () => {
    expect(allowedActions('checked', ['carrier']).sort()).toEqual(['amend', 'cancel']);
  });

  it('should list nothing for no roles, terminal statuses or unknown statuses', () => {
    expect(allowedActions('issued', [])).toEqual([]);
    expect(allowedActions('closed', [...WAYBILL_ACTOR_ROLES])).toEqual([]);
    expect(allowedActions('cancelled', [...WAYBILL_ACTOR_ROLES])).toEqual([]);
    expect(allowedActions('shipped', [...WAYBILL_ACTOR_ROLES])).toEqual([]);
  });

  it('should agree with checkTransition for every status, action and role', () => {
    for (const [status, action] of ALL_ACTION_PAIRS) {
      for (const role of WAYBILL_ACTOR_ROLES) {
        const listed = allowedActions(status, [role]).includes(action);
        expect(checkTransition({ status, action, roles: [role] }).ok).toBe(listed);
      }
    }
  });
});

describe('isTerminal', () => {
  it.each(WAYBILL_STATUSES.map((s) => [s, s === 'closed' || s === 'cancelled']))(
    'should say %s is terminal: %s',
    (status, terminal) => {
      expect(isTerminal(status)).toBe(terminal);
    },
  );

  it('should not call an unknown status terminal', () => {
    expect(isTerminal('shipped')).toBe(false);
  });
});

describe('isBeforeLoading', () => {
  const before = ['draft', 'issued', 'check_failed', 'checked'];
  it.each(WAYBILL_STATUSES.map((s) => [s, before.includes(s)]))('should say %s is before loading: %s', (status, yes) => {
    expect(isBeforeLoading(status)).toBe(yes);
  });

  it('should agree with where cancel is allowed', () => {
    for (const s of WAYBILL_STATUSES) {
      expect(isBeforeLoading(s)).toBe(canTransition(s, 'cancelled'));
    }
  });

  it('should say no for an unknown status', () => {
    expect(isBeforeLoading('shipped')).toBe(false);
  });
});
