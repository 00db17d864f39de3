/**
 * The editor's door key: a secret printed in the URL (as Jupyter does). Anyone on the machine
 * can reach 127.0.0.1, and the editor runs graphs that write files, so every /api route and the
 * WebSocket ask for the key: as a cookie set when the printed URL is opened, as
 * `Authorization: Bearer KEY`, or as `?token=KEY` (scripts, tests).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a token set by the user (PATCHBAY_TOKEN) must look like: long, and safe in a URL and a cookie as it is. */
const TOKEN_SHAPE = /^[A-Za-z0-9._~-]{32,512}$/;

/** 32 random bytes, base64url: 43 characters. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Why a token chosen by the user is refused, or undefined when it will do. */
export function tokenProblem(token: string): string | undefined {
  if (TOKEN_SHAPE.test(token)) return undefined;
  return `must be 32 to 512 characters of A-Z a-z 0-9 . _ ~ -, got ${token.length} characters${token.length >= 32 ? ' with others among them' : ''}`;
}

/** The cookie's name carries the port: cookies are per host, not per port, and two editors may run side by side. */
export function cookieName(port: number): string {
  return `patchbay_token_${port}`;
}

export function setCookieHeader(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The token a request offers, and where it came from; undefined when it offers none. */
export function offeredToken(
  req: IncomingMessage,
  port: number,
): { token: string; from: 'header' | 'query' | 'cookie' } | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return { token: m ? m[1] : '', from: 'header' };
  }
  const query = queryToken(req.url ?? '/');
  if (query !== undefined) return { token: query, from: 'query' };
  const name = cookieName(port);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return { token: part.slice(eq + 1).trim(), from: 'cookie' };
  }
  return undefined;
}

/** `?token=` of a request URL, if present. */
export function queryToken(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('token') ?? undefined;
}

/**
 * Compares in time that does not depend on where the two differ: both sides are hashed first,
 * so lengths never differ either (timingSafeEqual throws on unequal lengths).
 */
export function sameToken(offered: string, expected: string): boolean {
  const a = createHash('sha256').update(offered).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
