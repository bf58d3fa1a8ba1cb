import type { DriverSignIn } from '../../tracking/positions/position.js';
import { maskCertificate } from '../../vehicles/id-number.rules.js';
import { signal, type Ep, type RuleEnv } from './episode.js';
import type { CrewMember } from './monitoring.types.js';

// TR-16 driver identity (DOMAIN.md 3.1(c); Order 29 art. 44 [V]: the driver and escort on the waybill must be the
// ones on board). The terminal's IC-card reader (JT/T 808 0x0702) says who signed in. While the waybill is in
// transit: a card that matches nobody of the waybill's crew, or that cannot be read, opens an ALARM episode
// (key 'driver'); a card of the waybill's driver or escort closes it. A card is matched by its qualification
// certificate number, else by the ID card number: names alone are not unique. Removing the card is recorded (who
// is signed in) but raises nothing by itself. Not covered: the escort's app not being co-located with the vehicle.

export type CrewState = { ep: Ep; signedIn: { name: string | null; certificate: string | null; personId: string | null; since: number } | null };

export const initialCrewState = (): CrewState => ({ ep: null, signedIn: null });

const norm = (v: string | null | undefined): string => (v ?? '').replace(/\s+/g, '').toUpperCase();

// The crew member this card belongs to, or null.
export function matchCrew(signIn: Pick<DriverSignIn, 'certificateNumber' | 'idCardNumber'>, crew: readonly CrewMember[]): CrewMember | null {
  const cert = norm(signIn.certificateNumber);
  const id = norm(signIn.idCardNumber);
  for (const m of crew) {
    if (cert && norm(m.qualificationCertNumber) === cert) return m;
    if (id && norm(m.idNumber) === id) return m;
  }
  return null;
}

export function evaluateCrew(s: CrewState, signIn: DriverSignIn, active: boolean, env: RuleEnv): CrewState {
  const t = signIn.at.getTime();
  if (!signIn.inserted) return { ...s, signedIn: null };
  const crew = env.ctx.crew ?? [];
  const member = signIn.readOk ? matchCrew(signIn, crew) : null;
  const signedIn = { name: signIn.name, certificate: signIn.certificateNumber, personId: member?.personId ?? null, since: t };
  if (!active) return { ep: signal(s.ep, null, 'TR-16', 'driver', t, env.emit, MSG.ok, { reason: 'not-in-transit' }), signedIn };
  if (member) return { ep: signal(s.ep, null, 'TR-16', 'driver', t, env.emit, MSG.ok, { reason: 'crew-signed-in', role: member.role, name: member.name }), signedIn };
  if (s.ep) return { ep: s.ep, signedIn }; // already open: one episode until the right person signs in
  const evidence = {
    reason: signIn.readOk ? 'not-on-waybill' : 'card-unreadable',
    readResult: signIn.readResult,
    cardName: signIn.name,
    cardCertificate: signIn.certificateNumber ? maskCertificate(signIn.certificateNumber) : null,
    crew: crew.map((m) => ({ role: m.role, name: m.name })),
  };
  return { ep: signal(null, 'alarm', 'TR-16', 'driver', t, env.emit, signIn.readOk ? MSG.stranger(signIn.name) : MSG.unreadable, evidence), signedIn };
}

const MSG = {
  ok: { zh: '驾驶员身份与运单一致', en: 'Driver identity matches the waybill' },
  unreadable: { zh: '驾驶员IC卡无法读取，无法核验身份', en: "The driver's IC card could not be read" },
  stranger: (name: string | null) => ({ zh: `插卡驾驶员${name ? `（${name}）` : ''}不是运单上的驾驶员或押运员`, en: `The signed-in driver${name ? ` (${name})` : ''} is not the driver or escort of the waybill` }),
};
