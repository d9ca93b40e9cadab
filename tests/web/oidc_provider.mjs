// A real OpenID provider for the browser tests: the `oidc-provider` library from npm,
// with its development login form (any password), Authorization Code + PKCE required,
// JWT access tokens for the `harbour` audience carrying roles and org_id, refresh tokens and
// RP-initiated logout. Configured by environment variables; prints "ready" when listening.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const issuer = `http://localhost:${port}`;
const web = process.env.OIDC_WEB_URL;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS); // { login: { name, roles, org_id, locale } }
const accessTtl = Number(process.env.OIDC_ACCESS_TTL || 600);
const RESOURCE = "urn:harbour:api"; // resource indicators are URIs; the token's audience is "harbour"

const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });

function claimsOf(id) {
  const a = accounts[id] || {};
  return { sub: id, name: a.name, locale: a.locale, roles: a.roles || [], org_id: a.org_id };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: "harbour-web",
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [`${web}/auth/callback`],
    post_logout_redirect_uris: [`${web}/signed-out`],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  jwks: { keys: [{ ...key, kid: randomUUID(), alg: "RS256", use: "sig" }] },
  cookies: { keys: [randomUUID()] },
  claims: { openid: ["sub"], profile: ["name", "locale"] },
  pkce: { required: () => true },
  ttl: { AccessToken: accessTtl },
  async findAccount(_ctx, id) {
    return { accountId: id, async claims() { return claimsOf(id); } };
  },
  // A first-party client: the person is not asked to consent to Harbour's own scopes.
  async loadExistingGrant(ctx) {
    const existing = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) return ctx.oidc.provider.Grant.find(existing);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid profile email");
    grant.addResourceScope(RESOURCE, "openid profile email");
    await grant.save();
    return grant;
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
  async extraTokenClaims(_ctx, token) {
    if (token.kind !== "AccessToken") return undefined;
    const { name, roles, org_id, locale } = claimsOf(token.accountId);
    return { name, roles, org_id, locale };
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: "openid profile email",
        audience: "harbour",
        accessTokenTTL: accessTtl,
        accessTokenFormat: "jwt",
        jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
});

provider.listen(port, "127.0.0.1", () => { console.log("ready"); });
