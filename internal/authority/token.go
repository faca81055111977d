package authority

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/authority/federation"
	"github.com/ipps/ipps/internal/authority/tokens"
	"github.com/ipps/ipps/internal/storage"
)

// Grant type names accepted at the token endpoint.
const (
	grantAuthCode     = "authorization_code"
	grantRefresh      = "refresh_token"
	grantDeviceURN    = "urn:ietf:params:oauth:grant-type:device_code"
	grantDeviceMSAL   = "device_code"
	grantPassword     = "password"
	grantClientCreds  = "client_credentials"
	grantSAML11Bearer = "urn:ietf:params:oauth:grant-type:saml1_1-bearer"
	grantSAML2Bearer  = "urn:ietf:params:oauth:grant-type:saml2-bearer"
)

// tokenRequest is the parsed body of a token request.
type tokenRequest struct {
	r        *http.Request
	tenant   tenantRef
	v1       bool // /oauth2/token (resource= instead of scope=)
	form     map[string]string
	scopes   []string
	resource string
	scp      string
}

func (q *tokenRequest) get(k string) string { return q.form[k] }

// handleToken parses the form once (bounded, duplicate parameters refused)
// and dispatches on grant_type. Grant handlers return *OAuthError values.
func (a *Authority) handleToken(w http.ResponseWriter, r *http.Request) {
	t, ok := a.tenantOr400(w, r)
	if !ok {
		return
	}
	form, oe := a.parseForm(w, r)
	if oe != nil {
		a.writeOAuthError(w, r, oe)
		return
	}
	q := &tokenRequest{r: r, tenant: t, form: form, v1: !strings.Contains(r.URL.Path, "/v2.0/")}
	if oe := a.scopeFromRequest(q); oe != nil {
		a.writeOAuthError(w, r, oe)
		return
	}
	var resp *tokenResponse
	switch gt := q.get("grant_type"); gt {
	case grantAuthCode:
		resp, oe = a.grantAuthorizationCode(r.Context(), q)
	case grantRefresh:
		resp, oe = a.grantRefreshToken(r.Context(), q)
	case grantDeviceURN, grantDeviceMSAL:
		resp, oe = a.grantDeviceCode(r.Context(), q)
	case grantPassword:
		resp, oe = a.grantPassword(r.Context(), q)
	case grantClientCreds:
		resp, oe = a.grantClientCredentials(r.Context(), q)
	case grantSAML11Bearer:
		resp, oe = a.grantSAMLBearer(r.Context(), q, federation.NamespaceSAML1)
	case grantSAML2Bearer:
		resp, oe = a.grantSAMLBearer(r.Context(), q, federation.NamespaceSAML2)
	case "":
		oe = errMissing("grant_type")
	default:
		oe = errGrantType()
	}
	if oe != nil {
		a.writeOAuthError(w, r, oe)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// parseForm reads an urlencoded body of at most MaxFormBytes and returns a
// single value per key; repeated keys are refused.
func (a *Authority) parseForm(w http.ResponseWriter, r *http.Request) (map[string]string, *OAuthError) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return nil, errRequest("The request body must be application/x-www-form-urlencoded.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, errRequest("The request body could not be parsed.")
	}
	return flattenForm(r.PostForm)
}

func flattenForm(vals map[string][]string) (map[string]string, *OAuthError) {
	out := make(map[string]string, len(vals))
	for k, v := range vals {
		if len(v) != 1 {
			return nil, errRequest("Duplicate parameter '" + k + "'.")
		}
		out[k] = v[0]
	}
	return out, nil
}

// scopeFromRequest derives the resource and scp: from scope (v2.0) or
// resource (v1). A resource not in Config.Resources is refused unless the
// request only asks for OIDC scopes.
func (a *Authority) scopeFromRequest(q *tokenRequest) *OAuthError {
	if q.v1 {
		q.resource = strings.TrimSuffix(q.get("resource"), "/")
		q.scp = a.cfg.DefaultScope
		q.scopes = strings.Fields(q.get("scope"))
		if q.resource == "" {
			return nil
		}
	} else {
		q.scopes = strings.Fields(q.get("scope"))
		q.resource, q.scp = tokens.ResourceFromScopes(q.scopes, a.cfg.DefaultScope)
		if q.resource == "" {
			return nil
		}
	}
	if !a.knownResource(q.resource) {
		return errScope()
	}
	return nil
}

func (a *Authority) knownResource(res string) bool {
	for _, r := range a.cfg.Resources {
		if strings.EqualFold(strings.TrimSuffix(r, "/"), res) {
			return true
		}
	}
	return false
}

// tokenResponse is the success body MSAL parses.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope,omitempty"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	ExpiresOn    int64  `json:"expires_on,omitempty"`
	Resource     string `json:"resource,omitempty"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	ClientInfo   string `json:"client_info,omitempty"`
	Foci         string `json:"foci,omitempty"`
}

// grantCtx is what a user grant produces before tokens are minted.
type grantCtx struct {
	user     storage.User
	app      storage.Application
	scopes   []string
	resource string
	scp      string
	amr      []string
	nonce    string
	family   string // refresh family to continue; "" starts a new one
	oldRT    string // rotated refresh token id, if any
}

// issueUserTokens mints the access token, id_token, client_info and a new
// refresh token (rotating g.oldRT when set).
func (a *Authority) issueUserTokens(ctx context.Context, q *tokenRequest, g grantCtx) (*tokenResponse, *OAuthError) {
	now := a.cfg.Now()
	if g.resource == "" {
		// OIDC-only request: the token is for the client itself.
		g.resource = g.app.ClientID
	} else if g.scp == "" {
		g.scp = a.cfg.DefaultScope // v1 resource= requests
	}
	resp := &tokenResponse{TokenType: "Bearer", ExpiresIn: int64(a.cfg.AccessTokenLifetime.Seconds()),
		ExtExpiresIn: int64(a.cfg.AccessTokenLifetime.Seconds())}
	at, err := a.keys.Sign(tokens.AccessClaims{
		Aud: g.resource, Iss: a.IssuerV1(g.user.TenantID), Iat: now.Unix(), Nbf: now.Unix(),
		Exp: now.Add(a.cfg.AccessTokenLifetime).Unix(), Acr: acr(g.amr), Amr: g.amr,
		AppID: g.app.ClientID, AppIDAcr: "0", Name: g.user.DisplayName, Oid: g.user.ID,
		Sub: pairwiseSub(g.user.ID, g.app.ClientID), Tid: g.user.TenantID, Upn: g.user.UPN,
		UniqueName: g.user.UPN, IPAddr: clientIP(q.r), Scp: g.scp, Uti: uti(), Ver: tokens.Version1,
	})
	if err != nil {
		a.log.ErrorContext(ctx, "sign access token", "err", err)
		return nil, &OAuthError{Code: "temporarily_unavailable", AADSTS: 90033, Description: "A transient error has occurred. Please try again.", Status: 503}
	}
	resp.AccessToken = at
	if q.v1 {
		resp.Resource = g.resource
		resp.ExpiresOn = now.Add(a.cfg.AccessTokenLifetime).Unix()
	}
	resp.Scope = strings.Join(g.scopes, " ")
	if hasScope(g.scopes, "openid") || len(g.scopes) == 0 || q.v1 {
		idt, err := a.keys.Sign(tokens.IDClaims{
			Aud: g.app.ClientID, Iss: a.IssuerV2(g.user.TenantID), Iat: now.Unix(), Nbf: now.Unix(),
			Exp: now.Add(a.cfg.IDTokenLifetime).Unix(), Name: g.user.DisplayName, Nonce: g.nonce,
			Oid: g.user.ID, PreferredUsername: g.user.UPN, Sub: pairwiseSub(g.user.ID, g.app.ClientID),
			Tid: g.user.TenantID, Uti: uti(), Ver: "2.0",
		})
		if err == nil {
			resp.IDToken = idt
		}
	}
	if q.get("client_info") == "1" || q.v1 {
		resp.ClientInfo = tokens.ClientInfo(g.user.ID, g.user.TenantID)
	}
	rt, id := newOpaque("rt")
	fam := g.family
	if fam == "" {
		fam = uuid.NewString()
	}
	rec := storage.RefreshToken{ID: id, FamilyID: fam, UserID: g.user.ID, ClientID: g.app.ClientID,
		TenantID: g.user.TenantID, Scopes: g.scopes, Resource: g.resource, AMR: g.amr,
		IssuedAt: now, ExpiresAt: now.Add(a.cfg.RefreshTokenLifetime)}
	if g.oldRT != "" {
		_, err = a.store.RotateRefreshToken(ctx, g.oldRT, rec, now)
		switch {
		case errors.Is(err, storage.ErrAlreadyUsed), errors.Is(err, storage.ErrRevoked):
			a.log.WarnContext(ctx, "refresh token reuse; family revoked", "family", fam, "user", g.user.ID)
			return nil, errRevokedGrant()
		case errors.Is(err, storage.ErrExpired), errors.Is(err, storage.ErrNotFound):
			return nil, errRevokedGrant()
		}
	} else {
		err = a.store.CreateRefreshToken(ctx, rec)
	}
	if err != nil {
		a.log.ErrorContext(ctx, "store refresh token", "err", err)
		return nil, &OAuthError{Code: "temporarily_unavailable", AADSTS: 90033, Description: "A transient error has occurred. Please try again.", Status: 503}
	}
	resp.RefreshToken = rt
	return resp, nil
}

// acr is the v1 "acr" claim: "1" for any interactive or password user
// authentication (Entra uses "0" only for anonymous tokens).
func acr([]string) string { return "1" }

func hasScope(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pairwiseSub is the per-application subject, as Entra issues.
func pairwiseSub(oid, clientID string) string {
	sum := sha256.Sum256([]byte(oid + "\x00" + clientID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func uti() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newOpaque returns a random secret value with a prefix and the hash under
// which it is stored; the value itself is never stored.
func newOpaque(prefix string) (value, id string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	value = prefix + "." + base64.RawURLEncoding.EncodeToString(b)
	return value, hashOpaque(value)
}

func hashOpaque(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
