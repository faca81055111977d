package authority

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func getJSON(t *testing.T, e *env, path string) (int, map[string]any) {
	t.Helper()
	resp, err := e.httpClient().Get(e.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return resp.StatusCode, m
}

func TestDiscoveryDocuments(t *testing.T) {
	e := newEnv(t, nil)
	for _, seg := range []string{"common", "organizations", e.tenant.ID, "contoso.test", "contoso.onmicrosoft.com"} {
		code, m := getJSON(t, e, "/"+seg+"/v2.0/.well-known/openid-configuration")
		if code != 200 {
			t.Fatalf("%s: %d %v", seg, code, m)
		}
		wantIss := e.base + "/" + e.tenant.ID + "/v2.0"
		if seg == "common" || seg == "organizations" {
			wantIss = e.base + "/{tenantid}/v2.0"
		}
		if m["issuer"] != wantIss || m["token_endpoint"] != e.base+"/"+seg+"/oauth2/v2.0/token" ||
			m["jwks_uri"] != e.base+"/"+seg+"/discovery/v2.0/keys" || m["device_authorization_endpoint"] == nil {
			t.Fatalf("%s: %v", seg, m)
		}
		_, v1 := getJSON(t, e, "/"+seg+"/.well-known/openid-configuration")
		if !strings.HasSuffix(v1["issuer"].(string), "/") || v1["token_endpoint"] != e.base+"/"+seg+"/oauth2/token" {
			t.Fatalf("v1 %s: %v", seg, v1)
		}
	}
	code, m := getJSON(t, e, "/fabrikam.test/v2.0/.well-known/openid-configuration")
	if code != 400 || m["error"] != "invalid_tenant" {
		t.Fatalf("unknown tenant: %d %v", code, m)
	}
	desc, _ := m["error_description"].(string)
	codes, _ := m["error_codes"].([]any)
	if !strings.HasPrefix(desc, "AADSTS90002: ") || len(codes) != 1 || codes[0].(float64) != 90002 ||
		m["trace_id"] == "" || m["correlation_id"] == "" || m["timestamp"] == "" {
		t.Fatalf("error shape: %v", m)
	}
}

func TestKeysAndInstanceDiscovery(t *testing.T) {
	e := newEnv(t, nil)
	_, m := getJSON(t, e, "/common/discovery/keys")
	keys := m["keys"].([]any)
	k := keys[0].(map[string]any)
	signing, _ := e.a.Keys().Signing()
	if k["kid"] != signing.ID || k["x5t"] != signing.ID || k["kty"] != "RSA" || len(k["x5c"].([]any)) != 1 {
		t.Fatalf("jwks %v", k)
	}
	_, m = getJSON(t, e, "/"+e.tenant.ID+"/discovery/v2.0/keys")
	if m["keys"].([]any)[0].(map[string]any)["issuer"] != e.a.IssuerV2(e.tenant.ID) {
		t.Fatalf("v2 keys issuer: %v", m)
	}
	code, m := getJSON(t, e, "/common/discovery/instance?api-version=1.1&authorization_endpoint="+e.base+"/common/oauth2/v2.0/authorize")
	if code != 200 || m["tenant_discovery_endpoint"] != e.base+"/common/v2.0/.well-known/openid-configuration" {
		t.Fatalf("instance: %d %v", code, m)
	}
	code, m = getJSON(t, e, "/common/discovery/instance?api-version=1.1&authorization_endpoint=https://evil.example/common/oauth2/v2.0/authorize")
	if code != 400 || m["error"] != "invalid_instance" {
		t.Fatalf("foreign instance: %d %v", code, m)
	}
}

func TestKeyRotationPersists(t *testing.T) {
	e := newEnv(t, nil)
	old, _ := e.a.Keys().Signing()
	if err := e.a.RotateKeys(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, m := getJSON(t, e, "/common/discovery/keys")
	if len(m["keys"].([]any)) != 2 {
		t.Fatalf("after rotation: %v", m)
	}
	// A second authority over the same store loads both keys.
	b, err := New(t.Context(), e.a.cfg, e.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := e.a.Keys().Signing()
	if s, _ := b.Keys().Signing(); s.ID != cur.ID {
		t.Fatal("reloaded authority signs with another key")
	}
	if _, ok := b.Keys().Lookup(old.ID, e.clock.Now()); !ok {
		t.Fatal("reloaded authority forgot the retired key")
	}
}

func TestUserRealm(t *testing.T) {
	e := newEnv(t, nil)
	_, m := getJSON(t, e, "/common/UserRealm/alice@contoso.test?api-version=1.0")
	if m["account_type"] != "Managed" || m["domain_name"] != "contoso.test" || m["cloud_audience_urn"] == nil {
		t.Fatalf("%v", m)
	}
	_, m = getJSON(t, e, "/common/userrealm/x@nowhere.test?api-version=1.0")
	if m["account_type"] != "Unknown" {
		t.Fatalf("%v", m)
	}
	resp, _ := e.httpClient().Get(e.base + "/common/oauth2/v2.0/logout")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
		t.Fatal("logout")
	}
}
