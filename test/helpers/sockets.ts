import type { Socket } from 'socket.io-client';
import type { LiveItem } from '../../src/tracking/live/live-positions.rules.js';

// socket.io handshakes in e2e tests: wait for connect or connect_error, never a fixed sleep.
export type Refusal = Error & { data?: { code?: string } };

export function handshake(socket: Socket, ms = 5_000): Promise<{ ok: true } | { ok: false; error: Refusal }> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect).off('connect_error', onError);
    };
    const onConnect = () => (done(), resolve({ ok: true }));
    const onError = (error: Refusal) => (done(), resolve({ ok: false, error }));
    const timer = setTimeout(() => (done(), reject(new Error('timeout waiting for the handshake'))), ms);
    socket.once('connect', onConnect).once('connect_error', onError);
  });
}

export async function connected(socket: Socket): Promise<Socket> {
  const r = await handshake(socket);
  if (!r.ok) throw new Error(`refused: ${r.error.data?.code} ${r.error.message}`);
  return socket;
}

export async function refusal(socket: Socket): Promise<Refusal> {
  const r = await handshake(socket);
  if (r.ok) throw new Error('connected, but should have been refused');
  return r.error;
}

// The first live item a /watch socket receives that matches.
export function waitForItem(socket: Socket, match: (item: LiveItem) => boolean, ms = 5_000): Promise<LiveItem> {
  return new Promise((resolve, reject) => {
    const onPositions = (items: LiveItem[]) => {
      const hit = items.find(match);
      if (!hit) return;
      clearTimeout(timer);
      socket.off('positions', onPositions);
      resolve(hit);
    };
    const timer = setTimeout(() => {
      socket.off('positions', onPositions);
      reject(new Error('timeout waiting for a position'));
    }, ms);
    socket.on('positions', onPositions);
  });
}
