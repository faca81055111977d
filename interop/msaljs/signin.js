// MSAL for JavaScript (msal-node) against ippsd's sign-in authority.
//
// Driven by interop/msaljs_test.go. Input via environment:
//   IPPS_AUTHORITY   https://host:port/<tenant>
//   IPPS_CLIENT_ID   public client id
//   IPPS_SCOPES      space-separated scopes
//   NODE_EXTRA_CA_CERTS  PEM of the test CA (read by Node itself)
// Output: one JSON object per line on stdout:
//   {"event":"device_code",...}  → the test completes the device page
//   {"event":"token",...}        → acquireTokenByDeviceCode result
//   {"event":"refreshed",...}    → acquireTokenSilent({forceRefresh:true})
//   {"event":"error",...}        → then exit 1
// MSAL's own log goes to stderr.
"use strict";
const msal = require("@azure/msal-node");

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function fail(stage, e) {
  emit({ event: "error", stage, name: e && e.name, errorCode: e && e.errorCode,
    subError: e && e.subError, message: String((e && e.errorMessage) || (e && e.message) || e) });
  process.exit(1);
}

async function main() {
  const authority = process.env.IPPS_AUTHORITY;
  const host = new URL(authority).host;
  const scopes = (process.env.IPPS_SCOPES || "").split(" ").filter(Boolean);
  const pca = new msal.PublicClientApplication({
    auth: { clientId: process.env.IPPS_CLIENT_ID, authority, knownAuthorities: [host] },
    system: {
      loggerOptions: {
        logLevel: process.env.IPPS_MSAL_VERBOSE ? msal.LogLevel.Verbose : msal.LogLevel.Warning,
        piiLoggingEnabled: false,
        loggerCallback: (level, message) => process.stderr.write(message + "\n"),
      },
    },
  });

  let result;
  try {
    result = await pca.acquireTokenByDeviceCode({
      scopes,
      deviceCodeCallback: (r) => emit({ event: "device_code", userCode: r.userCode,
        verificationUri: r.verificationUri, message: r.message, expiresIn: r.expiresIn, interval: r.interval }),
    });
  } catch (e) {
    fail("device_code", e);
  }
  if (!result) fail("device_code", new Error("acquireTokenByDeviceCode returned null"));
  emit({ event: "token", accessToken: result.accessToken, username: result.account && result.account.username,
    tenantId: result.tenantId, scopes: result.scopes, tokenType: result.tokenType,
    hasIdToken: !!result.idToken, expiresOn: result.expiresOn, fromCache: result.fromCache });

  let refreshed;
  try {
    refreshed = await pca.acquireTokenSilent({ account: result.account, scopes, forceRefresh: true });
  } catch (e) {
    fail("silent_refresh", e);
  }
  emit({ event: "refreshed", accessToken: refreshed.accessToken, username: refreshed.account && refreshed.account.username,
    scopes: refreshed.scopes, fromCache: refreshed.fromCache, expiresOn: refreshed.expiresOn });

  // A plain silent call must now be served from the cache.
  try {
    const cached = await pca.acquireTokenSilent({ account: result.account, scopes });
    emit({ event: "cached", fromCache: cached.fromCache, same: cached.accessToken === refreshed.accessToken });
  } catch (e) {
    fail("silent_cache", e);
  }
}

main().catch((e) => fail("main", e));
