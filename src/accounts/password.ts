import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

// Passwords are stored as Argon2id (memory-hard), with the OWASP Password Storage Cheat Sheet's
// parameters: 19 MiB, 2 iterations, 1 lane.
// algorithm 2 is Argon2id (a const enum in @node-rs/argon2, which isolatedModules cannot read).
const OPTIONS = { algorithm: 2, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, OPTIONS);

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// Verifying against this when the user does not exist keeps "unknown user" as slow as "wrong password".
let dummy: Promise<string> | undefined;
export const dummyHash = () => (dummy ??= hashPassword(randomBytes(16).toString('hex')));

// A password for generated accounts: 18 characters from an unambiguous alphabet (about 100 bits).
export function generatePassword(length = 18): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
