// Test support: a minimal SMART App Launch (standalone, public client with PKCE) in front of
// the independent FHIR server, so the real app can sign in to it as it would to any hospital.
// Medplum's fhir-router has no authorization server of its own.
//
// One login, from `HALE_FHIR_LOGIN=name:password:PatientId` (no `:` in the name or password). The sign-in page is a plain form
// with a CSRF token; the code is single-use and bound to the redirect URI and the PKCE
// challenge; refresh tokens rotate and a spent one is refused. The FHIR side does not check
// access tokens: what this exercises is Hale's client against a standard server, not that
// server's access control (Hale's own server is attacked for that).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const CODE_LIFETIME_MS = 60_000;
const ACCESS_LIFETIME_S = 3600;

const random = () => randomBytes(32).toString('base64url');
const same = (a, b) => {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
};
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function form(raw) {
  return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}

function cookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

const oauthError = (res, error, description) =>
  json(res, 400, { error, error_description: description });

/// Only an app's loopback listener may receive a code (RFC 8252 §7.3).
function loopback(uri) {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && url.hostname === '127.0.0.1';
  } catch {
    return false;
  }
}

export function signIn(loginSetting) {
  const [username, password, patient] = (loginSetting ?? '').split(':');
  const enabled = Boolean(username && password && patient);
  const codes = new Map(); // code -> { redirectUri, challenge, scope, expires }
  const refreshTokens = new Map(); // token -> scope

  const origin = (req) => `http://${req.headers.host}`;

  function configuration(req, fhirBase) {
    const o = origin(req);
    return {
      issuer: `${o}${fhirBase}`,
      authorization_endpoint: `${o}/auth/authorize`,
      token_endpoint: `${o}/auth/token`,
      revocation_endpoint: `${o}/auth/revoke`,
      grant_types_supported: ['authorization_code', 'refresh_token'],
      response_types_supported: ['code'],
      token_endpoint_auth_methods_supported: ['none'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['launch/patient', 'openid', 'fhirUser', 'offline_access', 'patient/*.rs'],
      capabilities: ['launch-standalone', 'client-public', 'context-standalone-patient', 'permission-offline', 'permission-v2'],
    };
  }

  function page(res, params) {
    const csrf = random();
    const hidden = Object.entries(params)
      .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
      .join('');
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Set-Cookie': `csrf=${csrf}; HttpOnly; SameSite=Strict; Path=/auth`,
    });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body>
<h1>Sign in</h1><form method="post" action="/auth/authorize">${hidden}
<input type="hidden" name="csrf" value="${csrf}">
<label>Name <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button>Sign in</button></form></body></html>`);
  }

  function authorizeRequest(params) {
    if (params.response_type !== 'code') return 'response_type must be code';
    if (!params.client_id) return 'client_id is missing';
    if (!loopback(params.redirect_uri)) return 'redirect_uri must be a loopback address';
    if (!params.code_challenge || params.code_challenge_method !== 'S256') return 'PKCE (S256) is required';
    if (!params.state) return 'state is missing';
    return undefined;
  }

  function issue(res, scope) {
    const refresh = random();
    refreshTokens.set(refresh, scope);
    json(res, 200, {
      access_token: random(),
      token_type: 'Bearer',
      expires_in: ACCESS_LIFETIME_S,
      scope,
      patient,
      refresh_token: refresh,
      fhirUser: `Patient/${patient}`,
    });
  }

  /// Answers `req` if it is a sign-in request; `false` when it is not one.
  function handle(req, res, raw, url, fhirBase) {
    if (!enabled) return false;
    const path = url.pathname;
    if (req.method === 'GET' && path === `${fhirBase}/.well-known/smart-configuration`) {
      json(res, 200, configuration(req, fhirBase));
      return true;
    }
    if (path === '/auth/authorize' && req.method === 'GET') {
      const params = Object.fromEntries(url.searchParams);
      const problem = authorizeRequest(params);
      if (problem) {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end(problem);
      } else {
        page(res, params);
      }
      return true;
    }
    if (path === '/auth/authorize' && req.method === 'POST') {
      const params = form(raw);
      const problem = authorizeRequest(params);
      if (problem || !params.csrf || !same(params.csrf, cookie(req, 'csrf') ?? '')) {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end(problem ?? 'the form has expired: open the sign-in page again');
        return true;
      }
      if (!same(params.username, username) || !same(params.password, password)) {
        page(res, Object.fromEntries(Object.entries(params).filter(([k]) => !['username', 'password', 'csrf'].includes(k))));
        return true;
      }
      const code = random();
      codes.set(code, {
        clientId: params.client_id,
        redirectUri: params.redirect_uri,
        challenge: params.code_challenge,
        scope: params.scope ?? '',
        expires: Date.now() + CODE_LIFETIME_MS,
      });
      const back = new URL(params.redirect_uri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', params.state);
      back.searchParams.set('iss', `${origin(req)}${fhirBase}`);
      res.writeHead(302, { Location: back.toString() });
      res.end();
      return true;
    }
    if (path === '/auth/token' && req.method === 'POST') {
      const params = form(raw);
      if (params.grant_type === 'authorization_code') {
        const grant = codes.get(params.code ?? '');
        codes.delete(params.code ?? '');
        const challenge = createHash('sha256').update(params.code_verifier ?? '').digest('base64url');
        if (!grant || grant.expires < Date.now() || grant.clientId !== params.client_id
          || grant.redirectUri !== params.redirect_uri || !same(challenge, grant.challenge)) {
          oauthError(res, 'invalid_grant', 'the code is unknown, used, expired or not this client\'s');
        } else {
          issue(res, grant.scope);
        }
        return true;
      }
      if (params.grant_type === 'refresh_token') {
        const scope = refreshTokens.get(params.refresh_token ?? '');
        refreshTokens.delete(params.refresh_token ?? '');
        if (scope === undefined || (params.patient && params.patient !== patient)) {
          oauthError(res, 'invalid_grant', 'the refresh token is unknown or spent');
        } else {
          issue(res, scope);
        }
        return true;
      }
      oauthError(res, 'unsupported_grant_type', 'authorization_code or refresh_token');
      return true;
    }
    if (path === '/auth/revoke' && req.method === 'POST') {
      refreshTokens.delete(form(raw).token ?? '');
      res.writeHead(200);
      res.end();
      return true;
    }
    return false;
  }

  return { enabled, handle };
}
