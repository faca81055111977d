package cli

import (
	"errors"
	"strings"
	"testing"
)

func TestResolveDefaults(t *testing.T) {
	o := ConnectOptions{UserPrincipalName: "admin@contoso.com"}
	ep, err := o.Resolve(Compliance)
	if err != nil {
		t.Fatal(err)
	}
	if ep.URI != "https://ps.compliance.protection.outlook.com/powershell-liveid/?BasicAuthToOAuthConversion=true" {
		t.Fatalf("uri %q", ep.URI)
	}
	if ep.Authority != "https://login.microsoftonline.com/organizations" || ep.Resource != "https://ps.compliance.protection.outlook.com" {
		t.Fatalf("%+v", ep)
	}
	ex, err := (&ConnectOptions{ExchangePrefix: "EXO"}).Resolve(Exchange)
	if err != nil || ex.Prefix != "EXO" || !strings.HasPrefix(ex.URI, "https://outlook.office365.com/powershell-liveid/") {
		t.Fatalf("%+v %v", ex, err)
	}
}

func TestResolveOverridesAndDelegation(t *testing.T) {
	o := ConnectOptions{
		ConnectionURI:         "https://localhost:8443/powershell-liveid",
		AuthorityURI:          "https://localhost:8443/contoso.test/",
		DelegatedOrganization: "fabrikam.test",
		Environment:           "O365USGovGCCHigh",
	}
	ep, err := o.Resolve(Compliance)
	if err != nil {
		t.Fatal(err)
	}
	if ep.URI != "https://localhost:8443/powershell-liveid?BasicAuthToOAuthConversion=true&DelegatedOrg=fabrikam.test" {
		t.Fatalf("uri %q", ep.URI)
	}
	if ep.Authority != "https://localhost:8443/contoso.test" {
		t.Fatalf("authority %q", ep.Authority)
	}
	ex, _ := o.Resolve(Exchange)
	if !strings.HasPrefix(ex.URI, "https://localhost:8443/exchange/powershell-liveid?") {
		t.Fatalf("exchange uri %q", ex.URI)
	}
}

func TestResolveErrors(t *testing.T) {
	cases := []struct {
		o    ConnectOptions
		want string
	}{
		{ConnectOptions{Environment: "Moon"}, `unknown environment "Moon"`},
		{ConnectOptions{ConnectionURI: "ps.compliance.protection.outlook.com"}, "not an absolute http(s) URL"},
		{ConnectOptions{ConnectionURI: "http://ippsd.example/powershell-liveid"}, "clear text"},
		{ConnectOptions{AuthorityURI: "https://login.microsoftonline.com"}, "ending in a tenant"},
		{ConnectOptions{AppID: "x"}, "--certificate-file and --organization"},
	}
	for _, c := range cases {
		_, err := c.o.Resolve(Compliance)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.o, err, c.want)
		}
	}
	_, err := (&ConnectOptions{DelegatedOrganization: "fabrikam.com"}).Resolve(Compliance)
	if !errors.Is(err, errDAP) {
		t.Fatalf("DAP case: %v", err)
	}
	if _, err := (&ConnectOptions{ConnectionURI: "http://127.0.0.1:8080/powershell-liveid"}).Resolve(Compliance); err != nil {
		t.Fatalf("loopback http refused: %v", err)
	}
}
