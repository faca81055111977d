package admin

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/storage"
)

// NewApp describes an application registration for app-only automation.
type NewApp struct {
	// TenantDomain is a verified domain of the owning tenant.
	TenantDomain string
	DisplayName  string
	// CertificatePEM is the PEM certificate the app signs assertions with.
	CertificatePEM []byte
	// Roles are the RBAC role names the app holds in app-only sessions.
	Roles []string
}

// CreateApp registers a confidential application with one certificate and
// returns it with its new client id.
func (a *Admin) CreateApp(ctx context.Context, na NewApp) (storage.Application, error) {
	dom, err := a.Store.GetDomain(ctx, strings.ToLower(na.TenantDomain))
	if err != nil {
		return storage.Application{}, fmt.Errorf("admin: domain %s: %w", na.TenantDomain, err)
	}
	cert, err := ParseCertificate(na.CertificatePEM)
	if err != nil {
		return storage.Application{}, err
	}
	cred, err := authority.CertificateCredential(cert.Raw)
	if err != nil {
		return storage.Application{}, err
	}
	app := storage.Application{Certificates: []storage.Certificate{cred},
		ClientID: uuid.NewString(), TenantID: dom.TenantID, DisplayName: na.DisplayName,
		Roles: na.Roles, CreatedAt: a.now(),
	}
	if err := a.Store.CreateApplication(ctx, app); err != nil {
		return storage.Application{}, fmt.Errorf("admin: create app: %w", err)
	}
	return app, nil
}

// ParseCertificate reads the first CERTIFICATE block of a PEM file.
func ParseCertificate(pemData []byte) (*x509.Certificate, error) {
	for {
		var b *pem.Block
		b, pemData = pem.Decode(pemData)
		if b == nil {
			return nil, fmt.Errorf("admin: no CERTIFICATE block in the PEM data")
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("admin: certificate: %w", err)
			}
			return c, nil
		}
	}
}
