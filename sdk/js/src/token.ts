// Reading a connection token's claims on the client (no verification: the server verifies).
// Used to know the user, which channels the token grants (to skip the auth endpoint), and to ask
// for a fresh token with the same claims when the old one expired.

export interface TokenClaims {
  iss?: string;
  sub?: string;
  env?: string;
  user_info?: Record<string, unknown>;
  channels?: string[];
  iat?: number;
  exp?: number;
  jti?: string;
}

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4);
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/** The payload of a JWT, or null when `token` is not one. */
export function decodeTokenClaims(token: string | null | undefined): TokenClaims | null {
  if (!token) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const payload = JSON.parse(base64UrlDecode(parts[1])) as unknown;
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
    const p = payload as Record<string, unknown>;
    const claims: TokenClaims = {};
    if (typeof p.iss === 'string') claims.iss = p.iss;
    if (typeof p.sub === 'string') claims.sub = p.sub;
    else if (typeof p.sub === 'number') claims.sub = String(p.sub);
    if (typeof p.env === 'string') claims.env = p.env;
    if (p.user_info && typeof p.user_info === 'object' && !Array.isArray(p.user_info)) {
      claims.user_info = p.user_info as Record<string, unknown>;
    }
    if (Array.isArray(p.channels)) claims.channels = p.channels.filter((c): c is string => typeof c === 'string');
    if (typeof p.iat === 'number') claims.iat = p.iat;
    if (typeof p.exp === 'number') claims.exp = p.exp;
    if (typeof p.jti === 'string') claims.jti = p.jti;
    return claims;
  } catch {
    return null;
  }
}

/** A grant pattern: `*` matches any run of characters, everything else itself. */
export function matchesGrant(pattern: string, channel: string): boolean {
  // Iterative glob with backtracking to the last star: linear in practice, no regex building.
  let p = 0;
  let c = 0;
  let star = -1;
  let mark = 0;
  while (c < channel.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = c;
    } else if (p < pattern.length && pattern[p] === channel[c]) {
      p++;
      c++;
    } else if (star >= 0) {
      p = star + 1;
      c = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export function grantsChannel(claims: TokenClaims | null, channel: string): boolean {
  return !!claims?.channels?.some((pattern) => matchesGrant(pattern, channel));
}

/** ISO 8601 of the token's `exp`, or null. */
export function expiresAtOf(token: string): string | null {
  const exp = decodeTokenClaims(token)?.exp;
  return typeof exp === 'number' ? new Date(exp * 1000).toISOString() : null;
}
