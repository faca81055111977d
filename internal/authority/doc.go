// Package authority is ippsd's Entra-compatible sign-in authority: OpenID
// discovery, signing keys, the OAuth 2.0 endpoints MSAL calls, and the
// server-rendered sign-in pages with a second factor.
//
// # Wiring
//
//	a, err := authority.New(ctx, authority.Config{BaseURL: "https://login.example"}, store, logger)
//	mux.Handle("/", a.Handler())        // or a.Mount(mux)
//	v := a.Validator()                  // for the remoting endpoint
//	claims, err := v.Validate(ctx, bearer, validate.Options{RequireMFA: true})
//
// # Endpoints ({t} = common | organizations | tenant GUID | domain | short name)
//
//	GET  /{t}/v2.0/.well-known/openid-configuration   issuer {base}/{tid}/v2.0
//	GET  /{t}/.well-known/openid-configuration        issuer {base}/{tid}/ (v1 tokens)
//	GET  /{t}/discovery/v2.0/keys, /{t}/discovery/keys
//	GET  /common/discovery/instance                   MSAL instance discovery
//	GET  /common/UserRealm/{upn}                      MSAL home realm for ROPC
//	GET  /{t}/oauth2[/v2.0]/authorize                 code + PKCE S256, query | form_post
//	POST /{t}/oauth2[/v2.0]/token                     authorization_code, refresh_token,
//	                                                  device_code (both names), password,
//	                                                  client_credentials (secret | certificate),
//	                                                  saml1_1-bearer, saml2-bearer (samlgrant.go)
//	POST /{t}/oauth2[/v2.0]/devicecode                verification page: /devicelogin
//	GET  /{t}/oauth2[/v2.0]/logout
//
// # Interactive sign-in state machine
//
// One transaction per browser, kept in storage (SignInSession: any
// replica continues it; only hashes of the cookie value, CSRF token and
// RelayState are stored, and a pending TOTP secret and the recovery codes
// are sealed with AES-256-GCM under a key derived from Config.SecretKey,
// so without a shared SecretKey transactions don't survive a restart) and
// named by the ipps_signin cookie (Secure, HttpOnly, SameSite=Lax). Every POST carries
// the transaction's CSRF token; after each completed step the cookie
// value and the CSRF token are replaced (session.go, rotate), so a step
// can't be replayed and a planted cookie is useless.
//
//	/authorize ──(client + redirect URI valid?)──no──▶ error page (never redirect)
//	     │yes
//	     ▼                   /devicelogin ─▶ [devicecode] ─(user code ok)─┐
//	[username] ◀──────────────────────────────────────────────────────────┘
//	     │ home-realm discovery: federated domain ─▶ SAML IdP ─▶ POST /login.srf (fedlogin.go);
//	     │ the valid assertion stands for the password below: MFA claim honoured
//	     │ by the domain ─▶ finish, else the same [mfa] or [enrol] steps
//	     ▼
//	[password] ── locked? ─▶ "temporarily locked" (smart lockout, counted
//	     │                    atomically in storage: 10 failures → 60 s, growing)
//	     │ ok
//	     ├── MFA off ──────────────────────────────────────────────┐
//	     ├── MFA on, enrolled ─▶ [mfa] TOTP (±1 step, step must    │
//	     │                        increase) | SMS code (single use, │
//	     │                        5 min, resend ≥ 30 s) | recovery  │
//	     │                        code (single use) ───────────────┤ amr += mfa
//	     └── MFA on, not enrolled ─▶ [enrol] QR + first code       │
//	                                  ─▶ [recovery] codes shown once┤
//	                                                                ▼
//	                         finish: auth code (5 min, single use; replay
//	                         revokes its refresh-token family) ─▶ client
//	                         redirect (query) or auto-post (form_post),
//	                         or device code approved.
//
// # Federated username/password (MSAL AcquireTokenByUsernamePassword)
//
// UserRealm answers Federated with federation_metadata_url = the domain's
// MEX URL; MSAL reads the WS-Trust 1.3 usernamemixed endpoint from it,
// gets a SAML 1.1 or 2.0 bearer assertion from the IdP (AppliesTo
// urn:federation:MicrosoftOnline) and posts it base64-encoded with the
// matching saml*-bearer grant. The authority verifies it against the
// domain's IdP metadata certificate and entity id (federation/assertion.go:
// audience, bearer confirmation, validity ±5 min, replay through the jti
// cache), maps NameID or UPN to the user, and applies MFA: an IdP MFA
// claim counts only if the domain honours it, else 50076 (50079 when not
// enrolled).
//
// Errors from the token endpoint use Entra's JSON shape (oautherr.go):
// error, "AADSTSnnnnn: ..." description, error_codes, timestamp,
// trace_id, correlation_id. User-facing texts are generic; details are
// logged.
package authority
