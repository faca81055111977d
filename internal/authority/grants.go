package authority

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/authority/tokens"
	"github.com/ipps/ipps/internal/storage"
)

// client looks up client_id and checks it may be used in tenant t.
func (a *Authority) client(ctx context.Context, id string, t tenantRef) (storage.Application, *OAuthError) {
	if id == "" {
		return storage.Application{}, errMissing("client_id")
	}
	app, err := a.store.GetApplication(ctx, id)
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			a.log.ErrorContext(ctx, "get application", "client_id", id, "err", err)
		}
		return app, errUnknownClient(id)
	}
	if app.TenantID != "" && !t.multi() && !strings.EqualFold(app.TenantID, t.ID) {
		return app, errUnknownClient(id)
	}
	return app, nil
}

// authenticatedClient resolves the request's client_id in its tenant and
// authenticates it (authenticateClient), for grants that need nothing
// more of the client.
func (a *Authority) authenticatedClient(ctx context.Context, q *tokenRequest) (storage.Application, *OAuthError) {
	app, oe := a.client(ctx, q.get("client_id"), q.tenant)
	if oe != nil {
		return app, oe
	}
	_, oe = a.authenticateClient(ctx, q, app)
	return app, oe
}

// authenticateClient checks the confidential client's credential and
// returns the appidacr value: "0" public, "1" secret, "2" certificate.
func (a *Authority) authenticateClient(ctx context.Context, q *tokenRequest, app storage.Application) (string, *OAuthError) {
	if q.get("client_assertion") != "" || q.get("client_assertion_type") != "" {
		if q.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			return "", errRequest("Unsupported client_assertion_type.")
		}
		if err := a.verifyClientAssertion(ctx, q, app); err != nil {
			a.log.InfoContext(ctx, "client assertion refused", "client_id", app.ClientID, "err", err)
			return "", errBadAssertion()
		}
		return "2", nil
	}
	secret := q.get("client_secret")
	if user, pass, ok := q.r.BasicAuth(); ok && secret == "" && user == app.ClientID {
		secret = pass
	}
	if secret != "" {
		if !matchSecret(app.SecretHashes, secret) {
			return "", errBadSecret()
		}
		return "1", nil
	}
	if app.Public {
		return "0", nil
	}
	return "", oerr("invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
}

// HashClientSecret encodes a client secret for Application.SecretHashes.
// Secrets are generated with high entropy, so a plain SHA-256 suffices.
func HashClientSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

func matchSecret(hashes []string, secret string) bool {
	h := HashClientSecret(secret)
	ok := false
	for _, x := range hashes {
		if subtle.ConstantTimeCompare([]byte(x), []byte(h)) == 1 {
			ok = true
		}
	}
	return ok
}

// activeUser loads a user and refuses disabled accounts.
func (a *Authority) activeUser(ctx context.Context, id string) (storage.User, *OAuthError) {
	u, err := a.store.GetUser(ctx, id)
	if err != nil {
		return u, errBadGrant()
	}
	if !u.Enabled {
		return u, errDisabled()
	}
	return u, nil
}

func (a *Authority) grantAuthorizationCode(ctx context.Context, q *tokenRequest) (*tokenResponse, *OAuthError) {
	app, oe := a.authenticatedClient(ctx, q)
	if oe != nil {
		return nil, oe
	}
	code := q.get("code")
	if code == "" {
		return nil, errMissing("code")
	}
	now := a.cfg.Now()
	c, err := a.store.RedeemAuthCode(ctx, hashOpaque(code), now)
	switch {
	case errors.Is(err, storage.ErrAlreadyUsed):
		n, rerr := a.store.RevokeRefreshFamily(ctx, c.FamilyID, now)
		a.log.WarnContext(ctx, "authorization code replayed; tokens revoked", "client_id", c.ClientID, "revoked", n, "err", rerr)
		return nil, errCodeRedeemed()
	case err != nil:
		return nil, errBadGrant()
	}
	if c.ClientID != app.ClientID || c.RedirectURI != q.get("redirect_uri") {
		return nil, errBadGrant()
	}
	if c.CodeChallenge != "" || app.Public {
		v := q.get("code_verifier")
		if v == "" {
			return nil, errMissing("code_verifier")
		}
		sum := sha256.Sum256([]byte(v))
		if c.CodeChallengeMethod != "S256" || subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.CodeChallenge)) != 1 {
			return nil, errPKCE()
		}
	}
	u, oe := a.activeUser(ctx, c.UserID)
	if oe != nil {
		return nil, oe
	}
	_, scp := tokens.ResourceFromScopes(c.Scopes, a.cfg.DefaultScope)
	return a.issueUserTokens(ctx, q, grantCtx{user: u, app: app, scopes: c.Scopes, resource: c.Resource,
		scp: scp, amr: c.AMR, nonce: c.Nonce, family: c.FamilyID})
}

func (a *Authority) grantRefreshToken(ctx context.Context, q *tokenRequest) (*tokenResponse, *OAuthError) {
	app, oe := a.authenticatedClient(ctx, q)
	if oe != nil {
		return nil, oe
	}
	raw := q.get("refresh_token")
	if raw == "" {
		return nil, errMissing("refresh_token")
	}
	id := hashOpaque(raw)
	rt, err := a.store.GetRefreshToken(ctx, id)
	if err != nil {
		return nil, errBadGrant()
	}
	if rt.ClientID != app.ClientID || (!q.tenant.multi() && !strings.EqualFold(rt.TenantID, q.tenant.ID)) {
		a.log.WarnContext(ctx, "refresh token presented by another client or tenant", "client_id", app.ClientID)
		return nil, errBadGrant()
	}
	if !rt.RevokedAt.IsZero() {
		return nil, errRevokedGrant()
	}
	u, oe := a.activeUser(ctx, rt.UserID)
	if oe != nil {
		return nil, oe
	}
	if !u.TokensValidAfter.IsZero() && rt.IssuedAt.Before(u.TokensValidAfter) {
		_, _ = a.store.RevokeRefreshFamily(ctx, rt.FamilyID, a.cfg.Now())
		return nil, errRevokedGrant()
	}
	g := grantCtx{user: u, app: app, scopes: rt.Scopes, resource: rt.Resource, amr: rt.AMR,
		family: rt.FamilyID, oldRT: id}
	if q.resource != "" {
		// Multi-resource refresh: the token may be redeemed for any
		// registered resource.
		g.scopes, g.resource, g.scp = q.scopes, q.resource, q.scp
	} else {
		_, g.scp = tokens.ResourceFromScopes(rt.Scopes, a.cfg.DefaultScope)
	}
	return a.issueUserTokens(ctx, q, g)
}

func (a *Authority) grantDeviceCode(ctx context.Context, q *tokenRequest) (*tokenResponse, *OAuthError) {
	app, oe := a.client(ctx, q.get("client_id"), q.tenant)
	if oe != nil {
		return nil, oe
	}
	code := q.get("device_code")
	if code == "" {
		code = q.get("code") // v1 endpoint spelling
	}
	if code == "" {
		return nil, errMissing("device_code")
	}
	d, err := a.store.RedeemDeviceCode(ctx, hashOpaque(code), a.cfg.Now())
	switch {
	case errors.Is(err, storage.ErrNotApproved):
		if d.Status == storage.DeviceDenied {
			return nil, errDeviceDeclined()
		}
		if d.ClientID != app.ClientID {
			return nil, errDeviceBad()
		}
		return nil, errPending()
	case errors.Is(err, storage.ErrExpired):
		return nil, errDeviceExpired()
	case err != nil:
		return nil, errDeviceBad()
	}
	if d.ClientID != app.ClientID {
		return nil, errDeviceBad()
	}
	u, oe := a.activeUser(ctx, d.UserID)
	if oe != nil {
		return nil, oe
	}
	_, scp := tokens.ResourceFromScopes(d.Scopes, a.cfg.DefaultScope)
	if d.Resource != "" && scp == "" {
		scp = a.cfg.DefaultScope
	}
	return a.issueUserTokens(ctx, q, grantCtx{user: u, app: app, scopes: d.Scopes, resource: d.Resource, scp: scp, amr: d.AMR})
}

func (a *Authority) grantPassword(ctx context.Context, q *tokenRequest) (*tokenResponse, *OAuthError) {
	if strings.EqualFold(q.tenant.Segment, "common") {
		return nil, errNoTenant()
	}
	app, oe := a.authenticatedClient(ctx, q)
	if oe != nil {
		return nil, oe
	}
	if q.get("username") == "" {
		return nil, errMissing("username")
	}
	if q.get("password") == "" {
		return nil, errMissing("password")
	}
	u, res := a.checkPassword(ctx, q.get("username"), q.get("password"), q.tenant, clientIP(q.r))
	a.cfg.Events.SignIn(passwordGrantEvent(u, res))
	switch res {
	case pwOK:
	case pwLocked:
		return nil, errLocked()
	case pwDisabled:
		return nil, errDisabled()
	default:
		return nil, errBadCredentials()
	}
	if mfaRequired(u) {
		if !mfaEnrolled(u) {
			return nil, errMFAEnrollment()
		}
		return nil, errMFARequired()
	}
	return a.issueUserTokens(ctx, q, grantCtx{user: u, app: app, scopes: q.scopes, resource: q.resource, scp: q.scp, amr: []string{"pwd"}})
}

func (a *Authority) grantClientCredentials(ctx context.Context, q *tokenRequest) (*tokenResponse, *OAuthError) {
	if q.tenant.multi() {
		return nil, errNoTenant()
	}
	app, oe := a.client(ctx, q.get("client_id"), q.tenant)
	if oe != nil {
		return nil, oe
	}
	if app.Public {
		return nil, oerr("invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	appidacr, oe := a.authenticateClient(ctx, q, app)
	if oe != nil {
		return nil, oe
	}
	if q.resource == "" || !strings.Contains(q.get("scope")+" ", "/.default ") && !q.v1 {
		return nil, oerr("invalid_scope", 1002012, "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")
	}
	now := a.cfg.Now()
	sp := uuid.NewSHA1(uuid.NameSpaceOID, []byte(q.tenant.ID+"/"+app.ClientID)).String()
	at, err := a.keys.Sign(tokens.AccessClaims{
		Aud: q.resource, Iss: a.IssuerV1(q.tenant.ID), Iat: now.Unix(), Nbf: now.Unix(),
		Exp: now.Add(a.cfg.AccessTokenLifetime).Unix(), AppID: app.ClientID, AppIDAcr: appidacr,
		Oid: sp, Sub: sp, Tid: q.tenant.ID, IPAddr: clientIP(q.r), Roles: app.Roles, Uti: uti(), Ver: tokens.Version1,
	})
	if err != nil {
		a.log.ErrorContext(ctx, "sign app token", "err", err)
		return nil, &OAuthError{Code: "temporarily_unavailable", AADSTS: 90033, Description: "A transient error has occurred. Please try again.", Status: 503}
	}
	lt := int64(a.cfg.AccessTokenLifetime.Seconds())
	return &tokenResponse{TokenType: "Bearer", ExpiresIn: lt, ExtExpiresIn: lt, AccessToken: at}, nil
}

func mfaRequired(u storage.User) bool {
	return u.MFAState == storage.MFAEnabled || u.MFAState == storage.MFAEnforced
}

func mfaEnrolled(u storage.User) bool { return u.TOTPSecret != "" || u.PhoneNumber != "" }

// passwordGrantEvent names the outcome of a password grant for Events:
// a correct password for a user who needs MFA is "mfa_required".
func passwordGrantEvent(u storage.User, res pwResult) string {
	if res == pwOK && mfaRequired(u) {
		return "mfa_required"
	}
	return pwEvent(res)
}
