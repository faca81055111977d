package load

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/ipps/ipps/internal/storage"
	// The SQLite and PostgreSQL storage backends.
	_ "github.com/ipps/ipps/internal/storage/sql"
)

// DevFacts are the fields of `ippsd dev`'s dev.json the load tool uses.
type DevFacts struct {
	IssuerURL     string `json:"issuer_url"`
	AuthorityURL  string `json:"authority_url"`
	ComplianceURI string `json:"compliance_uri"`
	TenantDomain  string `json:"tenant_domain"`
	CAFile        string `json:"ca_file"`
	DSN           string `json:"dsn"`
}

// ReadDevFacts reads and checks a dev.json.
func ReadDevFacts(path string) (DevFacts, error) {
	var f DevFacts
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("load: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("load: %s: %w", path, err)
	}
	if f.IssuerURL == "" || f.ComplianceURI == "" || f.TenantDomain == "" || f.DSN == "" {
		return f, fmt.Errorf("load: %s lacks issuer_url, compliance_uri, tenant_domain or dsn", path)
	}
	if f.AuthorityURL == "" {
		f.AuthorityURL = f.IssuerURL + "/" + f.TenantDomain
	}
	return f, nil
}

// ProvisionDSN opens the store at dsn, runs Provision and closes it.
func ProvisionDSN(ctx context.Context, dsn string, cfg ProvisionConfig, log *slog.Logger) ([]Account, error) {
	st, err := storage.Open(ctx, dsn, log.With("component", "storage"))
	if err != nil {
		return nil, fmt.Errorf("load: open %s: %w", dsn, err)
	}
	defer st.Close()
	return Provision(ctx, st, cfg, log)
}
