// The one way the console talks to the server: same origin, bearer token from sign-in, the API's error shape.
import { signal } from './state';

export type Me = {
  kind: string;
  roles: string[];
  mustChangePassword: boolean;
  user: { id: string; username: string; displayName?: string } | null;
  organisation: { id: string; name: string; kind: string; regionCode: string };
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'hazway.token';
export const session = signal<{ token: string; me: Me } | null>(null);

export const token = () => session.value?.token ?? sessionStorage.getItem(TOKEN_KEY);

export async function api<T = any>(path: string, init: RequestInit & { json?: unknown; raw?: BodyInit; contentType?: string } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const t = token();
  if (t) headers.set('Authorization', `Bearer ${t}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(init.json);
  } else if (init.raw !== undefined) {
    headers.set('Content-Type', init.contentType ?? 'application/octet-stream');
    body = init.raw;
  }
  if (init.method && init.method !== 'GET' && !headers.has('Idempotency-Key')) headers.set('Idempotency-Key', crypto.randomUUID());
  const res = await fetch(path, { ...init, headers, body });
  if (res.status === 401 && session.value) {
    sessionStorage.removeItem(TOKEN_KEY);
    session.value = null;
  }
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const e = (typeof data === 'object' && data) || {};
    throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? String(data).slice(0, 200), e.details);
  }
  return data as T;
}

// A list endpoint that may not exist yet on this server (monitoring: /alarms, /zones): null on 404.
export async function optional<T>(path: string): Promise<T | null> {
  try {
    return await api<T>(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export async function login(username: string, password: string): Promise<Me> {
  const r = await api<{ accessToken: string }>('/auth/login', { method: 'POST', json: { username, password } });
  sessionStorage.setItem(TOKEN_KEY, r.accessToken);
  const me = await api<Me>('/auth/me', { headers: { Authorization: `Bearer ${r.accessToken}` } });
  session.value = { token: r.accessToken, me };
  return me;
}

export async function restore(): Promise<void> {
  const t = sessionStorage.getItem(TOKEN_KEY);
  if (!t) return;
  try {
    const me = await api<Me>('/auth/me', { headers: { Authorization: `Bearer ${t}` } });
    session.value = { token: t, me };
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

export async function logout(): Promise<void> {
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch {
    /* signed out locally either way */
  }
  sessionStorage.removeItem(TOKEN_KEY);
  session.value = null;
}

export const qs = (o: Record<string, string | number | undefined | null | false>) =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
