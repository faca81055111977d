// Package environment is the table of Microsoft 365 clouds that
// `ipps connect --environment` selects from, with the connection and
// authority URIs of the Exchange Online and Security & Compliance endpoints
// (exo-module-anchor.md §3). Explicit URIs on the command line override
// the table.
package environment

import (
	"fmt"
	"sort"
	"strings"
)

// Endpoints is one cloud's URIs.
type Endpoints struct {
	Name string
	// ExchangeURI and ComplianceURI are the remote PowerShell connection URIs.
	ExchangeURI   string
	ComplianceURI string
	// ExchangeAuthority and ComplianceAuthority are the sign-in authorities.
	ExchangeAuthority   string
	ComplianceAuthority string
	// ExchangeResource and ComplianceResource are the token audiences.
	ExchangeResource   string
	ComplianceResource string
}

// Default is the environment used when none is given.
const Default = "O365Default"

var table = map[string]Endpoints{
	"o365default": {
		Name:                "O365Default",
		ExchangeURI:         "https://outlook.office365.com/powershell-liveid/",
		ComplianceURI:       "https://ps.compliance.protection.outlook.com/powershell-liveid/",
		ExchangeAuthority:   "https://login.microsoftonline.com/organizations",
		ComplianceAuthority: "https://login.microsoftonline.com/organizations",
		ExchangeResource:    "https://outlook.office365.com",
		ComplianceResource:  "https://ps.compliance.protection.outlook.com",
	},
	"o365germanycloud": {
		Name:                "O365GermanyCloud",
		ExchangeURI:         "https://outlook.office.de/PowerShell-LiveID",
		ComplianceURI:       "https://ps.compliance.protection.outlook.de/PowerShell-LiveID",
		ExchangeAuthority:   "https://login.microsoftonline.de/organizations",
		ComplianceAuthority: "https://login.microsoftonline.de/common",
		ExchangeResource:    "https://outlook.office.de",
		ComplianceResource:  "https://ps.compliance.protection.outlook.de",
	},
	"o365usgovgcchigh": {
		Name:                "O365USGovGCCHigh",
		ExchangeURI:         "https://outlook.office365.us/powershell-liveID",
		ComplianceURI:       "https://ps.compliance.protection.office365.us/powershell-liveid/",
		ExchangeAuthority:   "https://login.microsoftonline.us/organizations",
		ComplianceAuthority: "https://login.microsoftonline.us/organizations",
		ExchangeResource:    "https://outlook.office365.us",
		ComplianceResource:  "https://ps.compliance.protection.office365.us",
	},
	"o365usgovdod": {
		Name:                "O365USGovDoD",
		ExchangeURI:         "https://webmail.apps.mil/powershell-liveID",
		ComplianceURI:       "https://l5.ps.compliance.protection.office365.us/powershell-liveid/",
		ExchangeAuthority:   "https://login.microsoftonline.us/organizations",
		ComplianceAuthority: "https://login.microsoftonline.us/organizations",
		ExchangeResource:    "https://webmail.apps.mil",
		ComplianceResource:  "https://l5.ps.compliance.protection.office365.us",
	},
	"o365china": {
		Name:                "O365China",
		ExchangeURI:         "https://partner.outlook.cn/PowerShell",
		ComplianceURI:       "https://ps.compliance.protection.partner.outlook.cn/powershell-liveid",
		ExchangeAuthority:   "https://login.chinacloudapi.cn/organizations",
		ComplianceAuthority: "https://login.chinacloudapi.cn/organizations",
		ExchangeResource:    "https://partner.outlook.cn",
		ComplianceResource:  "https://ps.compliance.protection.partner.outlook.cn",
	},
}

// Names lists the environment names in a stable order, for --help.
func Names() []string {
	var out []string
	for _, e := range table {
		out = append(out, e.Name)
	}
	sort.Strings(out)
	return out
}

// Lookup finds an environment by name, case-insensitively.
func Lookup(name string) (Endpoints, error) {
	if name == "" {
		name = Default
	}
	e, ok := table[strings.ToLower(name)]
	if !ok {
		return Endpoints{}, fmt.Errorf("environment: unknown environment %q; valid values are %s", name, strings.Join(Names(), ", "))
	}
	return e, nil
}
