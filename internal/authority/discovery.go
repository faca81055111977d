package authority

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/storage"
)

// tenantRef is the resolved {tenant} path segment. ID is "" for the
// multi-tenant segments "common" and "organizations".
type tenantRef struct {
	Segment string
	ID      string
}

func (t tenantRef) multi() bool { return t.ID == "" }

var errTenantNotFound = errors.New("authority: tenant not found")

// resolveTenant maps a path segment (common, organizations, a tenant GUID,
// a verified domain or the tenant's short name) to a tenant.
func (a *Authority) resolveTenant(ctx context.Context, seg string) (tenantRef, error) {
	switch strings.ToLower(seg) {
	case "common", "organizations":
		return tenantRef{Segment: seg}, nil
	case "consumers", "":
		return tenantRef{}, errTenantNotFound
	}
	if _, err := uuid.Parse(seg); err == nil {
		t, err := a.store.GetTenant(ctx, strings.ToLower(seg))
		if err != nil {
			return tenantRef{}, fmt.Errorf("%w: %w", errTenantNotFound, err)
		}
		return tenantRef{Segment: seg, ID: t.ID}, nil
	}
	if d, err := a.store.GetDomain(ctx, strings.ToLower(seg)); err == nil {
		return tenantRef{Segment: seg, ID: d.TenantID}, nil
	}
	if t, err := a.store.GetTenantByName(ctx, seg); err == nil {
		return tenantRef{Segment: seg, ID: t.ID}, nil
	}
	return tenantRef{}, errTenantNotFound
}

func (a *Authority) tenantOr400(w http.ResponseWriter, r *http.Request) (tenantRef, bool) {
	seg := r.PathValue("tenant")
	t, err := a.resolveTenant(r.Context(), seg)
	if err != nil {
		a.writeOAuthError(w, r, errUnknownTenant(seg))
		return t, false
	}
	return t, true
}

func (a *Authority) handleDiscoveryV2(w http.ResponseWriter, r *http.Request) {
	t, ok := a.tenantOr400(w, r)
	if !ok {
		return
	}
	base := a.cfg.BaseURL + "/" + url.PathEscape(t.Segment)
	tid := t.ID
	if t.multi() {
		tid = "{tenantid}"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                a.IssuerV2(tid),
		"request_uri_parameter_supported":       false,
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce",
			"preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"code_challenge_methods_supported": []string{"S256"},
		"tenant_region_scope":              "NA",
		"cloud_instance_name":              a.host(),
		"cloud_graph_host_name":            a.host(),
		"msgraph_host":                     a.host(),
		"rbac_url":                         a.cfg.BaseURL,
	})
}

func (a *Authority) handleDiscoveryV1(w http.ResponseWriter, r *http.Request) {
	t, ok := a.tenantOr400(w, r)
	if !ok {
		return
	}
	base := a.cfg.BaseURL + "/" + url.PathEscape(t.Segment)
	tid := t.ID
	if t.multi() {
		tid = "{tenantid}"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              a.cfg.BaseURL + "/common/discovery/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "token id_token", "token"},
		"scopes_supported":                      []string{"openid"},
		"issuer":                                a.IssuerV1(tid),
		"microsoft_multi_refresh_token":         true,
		"authorization_endpoint":                base + "/oauth2/authorize",
		"device_authorization_endpoint":         base + "/oauth2/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/logout",
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce",
			"email", "given_name", "family_name", "nickname"},
		"cloud_instance_name": a.host(),
	})
}

func (a *Authority) host() string {
	u, _ := url.Parse(a.cfg.BaseURL)
	return u.Host
}

func (a *Authority) handleKeys(w http.ResponseWriter, r *http.Request) {
	t, ok := a.tenantOr400(w, r)
	if !ok {
		return
	}
	iss := ""
	if strings.Contains(r.URL.Path, "/v2.0/") {
		tid := t.ID
		if t.multi() {
			tid = "{tenantid}"
		}
		iss = a.IssuerV2(tid)
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, a.keys.JWKS(a.cfg.Now(), iss))
}

// handleInstance answers MSAL's instance discovery for authorities on
// this host and refuses others with invalid_instance (AADSTS50049).
func (a *Authority) handleInstance(w http.ResponseWriter, r *http.Request) {
	ae := r.URL.Query().Get("authorization_endpoint")
	u, err := url.Parse(ae)
	if ae == "" || err != nil || !strings.EqualFold(u.Host, a.host()) {
		a.writeOAuthError(w, r, oerr("invalid_instance", 50049, "Unknown or invalid instance."))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": a.cfg.BaseURL + "/common/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": a.host(),
			"preferred_cache":   a.host(),
			"aliases":           []string{a.host()},
		}},
	})
}

// handleUserRealm answers MSAL's home-realm lookup for ROPC.
func (a *Authority) handleUserRealm(w http.ResponseWriter, r *http.Request) {
	upn := r.PathValue("upn")
	at := strings.LastIndexByte(upn, '@')
	domain := strings.ToLower(upn[at+1:])
	out := map[string]any{
		"ver":                 "1.0",
		"account_type":        "Unknown",
		"domain_name":         domain,
		"cloud_instance_name": a.host(),
		"cloud_audience_urn":  "urn:federation:MicrosoftOnline",
	}
	if at > 0 {
		if d, err := a.store.GetDomain(r.Context(), domain); err == nil {
			out["account_type"] = "Managed"
			if d.Kind == storage.DomainFederated {
				out["account_type"] = "Federated"
				// MSAL fetches federation_metadata_url as a WS-MetadataExchange
				// document to find the WS-Trust usernamemixed endpoint.
				out["federation_protocol"] = "WSTrust"
				out["federation_metadata_url"] = d.Federation.MetadataExchangeURL
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}
