// A real OpenID Connect provider (the npm package oidc-provider) for the SSO tests, on
// loopback. tests/sso/oidc_idp.py starts it with `node provider.js CONFIG.json`, where the
// file holds {"clients": [...], "accounts": [...]} and the ADMIN_TOKEN environment variable
// guards the /__admin endpoints the fixture uses to change them while it runs.
//
// What is ours, and why:
// - the login page (/interaction/:uid): a login and password checked against the accounts, so
//   headless Chromium signs in the way a person does at Okta or Entra. Consent is granted
//   on the person's behalf (loadExistingGrant), as an admin-consented enterprise app does.
// - accounts: {login, password, sub, claims}; `claims` may carry any OIDC claim and an
//   Entra-style `oid` (object id), which is issued in the ID token like Entra's.
// - /__admin/misbehave: the next token responses carry an ID token whose `iss`, `aud` or
//   `nonce` is replaced and which is signed again with the provider's own key. The provider
//   itself never issues such a token; the tests use it to prove the relying party checks
//   those claims (OpenID Connect Core 1.0 §3.1.3.7). Nothing else is altered.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';
// The library's own in-memory store: clients added while it runs are written to it.
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const adminToken = process.env.ADMIN_TOKEN;
const accounts = new Map(); // login -> {login, password, sub, claims}
let tamper = {}; // claim -> value, for the ID tokens of the next token responses

function putAccount(account) {
  accounts.set(account.login, { claims: {}, ...account });
}
config.accounts.forEach(putAccount);

function accountBySub(sub) {
  return [...accounts.values()].find((account) => account.sub === sub);
}

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };

const html = (title, body) => `<!doctype html><html><head><meta charset="utf-8">
<title>${title}</title></head><body><h1 id="idp-title">${title}</h1>${body}</body></html>`;
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function loginPage(uid, message = '') {
  return html('Sign in to the test IdP', `
<p id="idp-error">${escape(message)}</p>
<form method="post" action="/interaction/${escape(uid)}/login">
  <label>Login <input id="idp-login" name="login" autofocus></label>
  <label>Password <input id="idp-password" name="password" type="password"></label>
  <button id="idp-sign-in" type="submit">Sign in</button>
</form>`);
}

async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    send(res, 200, loginPage(details.uid));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  const account = accounts.get(form.get('login'));
  if (!account || account.password !== form.get('password')) {
    send(res, 200, loginPage(details.uid, 'Wrong login or password.'));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, {
    mergeWithLastSubmission: false,
  });
}

async function admin(provider, req, res) {
  if (req.headers.authorization !== `Bearer ${adminToken}`) {
    send(res, 403, '{}', 'application/json');
    return;
  }
  const body = req.method === 'POST' ? JSON.parse(await readBody(req) || '{}') : {};
  const path = new URL(req.url, provider.issuer).pathname;
  if (path === '/__admin/accounts') {
    putAccount(body);
  } else if (path === '/__admin/clients') {
    // A dynamic client: the library validates its metadata when it is first used.
    await new MemoryAdapter('Client').upsert(body.client_id, body);
  } else if (path === '/__admin/misbehave') {
    tamper = body;
  } else {
    send(res, 404, '{}', 'application/json');
    return;
  }
  send(res, 200, '{}', 'application/json');
}

const server = createServer();
server.listen(0, '127.0.0.1', async () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: config.clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub', 'oid'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    // Scope claims in the ID token too, as Okta and Entra issue them.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    // PKCE verified whenever a client sends it, required of public clients only, as Okta
    // and Entra do for web apps with a secret (this version's default requires it always).
    pkce: { required: (ctx, client) => client.clientAuthMethod === 'none' },
    interactions: { url: (ctx, details) => `/interaction/${details.uid}` },
    async findAccount(ctx, sub) {
      const account = accountBySub(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account.claims, sub }) };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (ctx, error) => console.error('server_error', error));

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.body?.id_token && Object.keys(tamper).length) {
      const claims = { ...decodeJwt(ctx.body.id_token), ...tamper };
      ctx.body = {
        ...ctx.body,
        id_token: await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid, typ: 'JWT' })
          .sign(await importJWK(signingKey, 'RS256')),
      };
    }
  });

  const handle = provider.callback();
  server.on('request', (req, res) => {
    const answer = req.url.startsWith('/interaction/') ? interaction(provider, req, res)
      : req.url.startsWith('/__admin/') ? admin(provider, req, res)
        : handle(req, res);
    Promise.resolve(answer).catch((error) => {
      console.error(error);
      if (!res.headersSent) send(res, 500, html('Test IdP error', escape(error.message)));
    });
  });
  console.log(JSON.stringify({ issuer }));
});
