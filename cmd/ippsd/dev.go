package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mdp/qrterminal/v3"
	"github.com/spf13/cobra"

	"github.com/ipps/ipps/internal/admin"
	"github.com/ipps/ipps/internal/compliance"
	"github.com/ipps/ipps/internal/config"
	"github.com/ipps/ipps/internal/daemon"
	"github.com/ipps/ipps/internal/devpki"
	"github.com/ipps/ipps/internal/rbac"
	"github.com/ipps/ipps/internal/storage"
)

// DevFacts is what `ippsd dev` writes to <data-dir>/dev.json. Scripts and
// tests rely on these field names.
type DevFacts struct {
	IssuerURL          string `json:"issuer_url"`
	AuthorityURL       string `json:"authority_url"`
	ComplianceURI      string `json:"compliance_uri"`
	ExchangeURI        string `json:"exchange_uri"`
	TenantID           string `json:"tenant_id"`
	TenantDomain       string `json:"tenant_domain"`
	AdminUPN           string `json:"admin_upn"`
	AdminPassword      string `json:"admin_password"`
	AdminTOTPSecret    string `json:"admin_totp_secret"`
	AdminTOTPURL       string `json:"admin_totp_url"`
	AdminPhone         string `json:"admin_phone"`
	ReviewerUPN        string `json:"reviewer_upn"`
	ReviewerPassword   string `json:"reviewer_password"`
	ReviewerTOTPSecret string `json:"reviewer_totp_secret"`
	CAFile             string `json:"ca_file"`
	AppID              string `json:"app_id"`
	AppCertificateFile string `json:"app_certificate_file"`
	AppKeyFile         string `json:"app_key_file"`
	// AppBundleFile holds the certificate and key together, the form
	// `ipps connect --certificate-file` takes.
	AppBundleFile  string `json:"app_bundle_file"`
	ConnectCommand string `json:"connect_command"`
	DSN            string `json:"dsn"`
}

const devDomain = "contoso.test"

func newDevCmd() *cobra.Command {
	var (
		dataDir, listen, host string
		quiet                 bool
	)
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run ippsd with a ready demo tenant (embedded SQLite, local CA)",
		Long: `Run ippsd for development and demos. On first start it creates, in --data-dir:
a SQLite database, a local CA and server certificate (reused across restarts),
the demo tenant contoso.test with an MFA-protected admin in Organization
Management, a reviewer, demo retention labels and policies, and an app
registration with a certificate for automation. It prints the admin's
password, TOTP secret (with a QR code to scan) and the exact "ipps connect"
command, and writes the same facts to <data-dir>/dev.json.

Text-message codes are not sent anywhere in dev mode: they are printed in the log.`,
		Example: `  ippsd dev
  ippsd dev --data-dir /tmp/ipps --listen 127.0.0.1:9443`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDev(cmd.Context(), cmd.OutOrStdout(), dataDir, listen, host, quiet)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", ".ippsd-dev", "directory for the database, certificates and dev.json")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8443", "HTTPS listen address")
	cmd.Flags().StringVar(&host, "host", "localhost", "host name clients use (goes into URLs and the certificate)")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "do not print the banner and QR code (dev.json is still written)")
	return cmd
}

func runDev(ctx context.Context, out io.Writer, dataDir, listen, host string, quiet bool) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	dataDir, _ = filepath.Abs(dataDir)
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", listen, err)
	}
	pki, err := devpki.Ensure(filepath.Join(dataDir, "pki"), []string{host, "localhost", "127.0.0.1", "::1"}, time.Now())
	if err != nil {
		return err
	}
	secret, err := devSecret(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		return err
	}
	base := "https://" + net.JoinHostPort(host, port)
	cfg, err := devConfig(os.LookupEnv, listen, dataDir, base, secret, pki.CAPath())
	if err != nil {
		return err
	}
	logger := newLogger(os.Stderr, "text", "info")
	tuneRuntime(cfg, logger)
	d, err := daemon.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	facts, err := seedDev(ctx, d, pki, dataDir, base)
	if err != nil {
		d.Close()
		return fmt.Errorf("seeding the demo tenant: %w", err)
	}
	if !quiet {
		printBanner(out, facts)
	}
	return serve(ctx, d, []tls.Certificate{pki.Server}, logger, nil)
}

// devConfig is dev mode's configuration. IPPSD_* variables from lookup
// tune it like any server (limits, pprof, log level, and the policy
// distribution interval, which dev mode otherwise shortens to 2 s so a
// new policy shows Success within seconds); the listen address, data
// files, issuer, secret and replica identity are dev mode's own.
func devConfig(lookup func(string) (string, bool), listen, dataDir, base, secret, caPath string) (config.Config, error) {
	cfg := config.Default()
	cfg.DistributionInterval = config.Duration(2 * time.Second)
	if err := cfg.LoadEnv(lookup); err != nil {
		return cfg, err
	}
	cfg.Listen, cfg.DSN, cfg.IssuerURL, cfg.SecretKey = listen, filepath.Join(dataDir, "ipps.db"), base, secret
	cfg.ReplicaID, cfg.LogFormat, cfg.ReplicaCAFile = "dev", "text", caPath
	return cfg, nil
}

func devSecret(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return "", err
	}
	s := hex.EncodeToString(k)
	return s, os.WriteFile(path, []byte(s+"\n"), 0o600)
}

// seedDev creates the demo tenant once; later starts reuse dev.json.
func seedDev(ctx context.Context, d *daemon.Daemon, pki *devpki.PKI, dataDir, base string) (DevFacts, error) {
	path := filepath.Join(dataDir, "dev.json")
	var facts DevFacts
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &facts); err != nil {
			return facts, fmt.Errorf("%s: %w (delete the data directory to start over)", path, err)
		}
		if _, err := d.Store.GetUserByUPN(ctx, facts.AdminUPN); err == nil {
			return facts, nil
		}
	}
	adm := &admin.Admin{Store: d.Store, Issuer: "ipps dev", Seed: func(ctx context.Context, st storage.Storage, tid string) error {
		return compliance.Seed(ctx, st, tid)
	}}
	ten, err := adm.CreateTenant(ctx, devDomain, "Contoso (demo)")
	if errors.Is(err, storage.ErrAlreadyExists) {
		return facts, fmt.Errorf("the database in %s has a demo tenant but dev.json is missing or stale; delete the directory to start over", dataDir)
	}
	if err != nil {
		return facts, err
	}
	adminUser, err := adm.CreateUser(ctx, admin.NewUser{UPN: "admin@" + devDomain, DisplayName: "Contoso Admin", MFA: storage.MFAEnforced, Phone: "+1 555 0100"})
	if err != nil {
		return facts, err
	}
	reviewer, err := adm.CreateUser(ctx, admin.NewUser{UPN: "reviewer@" + devDomain, DisplayName: "Contoso Reviewer", MFA: storage.MFAEnforced, Phone: "+1 555 0101"})
	if err != nil {
		return facts, err
	}
	for _, m := range []struct{ group, upn string }{
		{"Organization Management", adminUser.User.UPN},
		{rbac.EXO.Stored("Organization Management"), adminUser.User.UPN},
		{"Reviewer", reviewer.User.UPN},
	} {
		if err := adm.AddRoleGroupMember(ctx, m.group, m.upn); err != nil {
			return facts, err
		}
	}
	certPath, keyPath, _, err := pki.EnsureClientCert("ipps-automation", time.Now())
	if err != nil {
		return facts, err
	}
	certPEM, _ := os.ReadFile(certPath)
	keyPEM, _ := os.ReadFile(keyPath)
	bundle := filepath.Join(pki.Dir, "app-bundle.pem")
	if err := os.WriteFile(bundle, append(append([]byte{}, certPEM...), keyPEM...), 0o600); err != nil {
		return facts, err
	}
	app, err := adm.CreateApp(ctx, admin.NewApp{TenantDomain: devDomain, DisplayName: "ipps automation", CertificatePEM: certPEM,
		Roles: []string{"Organization Management"}})
	if err != nil {
		return facts, err
	}
	if err := seedObjects(ctx, d, adminUser.User); err != nil {
		return facts, err
	}
	authorityURL := base + "/" + devDomain
	facts = DevFacts{
		IssuerURL: base, AuthorityURL: authorityURL,
		ComplianceURI: base + daemon.CompliancePath, ExchangeURI: base + daemon.ExchangePath,
		TenantID: ten.ID, TenantDomain: devDomain,
		AdminUPN: adminUser.User.UPN, AdminPassword: adminUser.Password, AdminTOTPSecret: adminUser.TOTPSecret,
		AdminTOTPURL: adminUser.TOTPURL, AdminPhone: adminUser.User.PhoneNumber,
		ReviewerUPN: reviewer.User.UPN, ReviewerPassword: reviewer.Password, ReviewerTOTPSecret: reviewer.TOTPSecret,
		CAFile: pki.CAPath(), AppID: app.ClientID, AppCertificateFile: certPath, AppKeyFile: keyPath, AppBundleFile: bundle,
		DSN: d.Config.DSN,
	}
	facts.ConnectCommand = fmt.Sprintf("ipps connect -u %s --connection-uri %s --azure-ad-authorization-endpoint-uri %s --ca-file %s",
		facts.AdminUPN, facts.ComplianceURI, facts.AuthorityURL, facts.CAFile)
	b, _ := json.MarshalIndent(facts, "", "  ")
	return facts, os.WriteFile(path, append(b, '\n'), 0o600)
}

func printBanner(w io.Writer, f DevFacts) {
	fmt.Fprintf(w, `
ippsd dev is ready.

  Sign-in authority   %s
  Compliance PS       %s
  Exchange Online PS  %s
  Local CA            %s   (trust it, or pass --ca-file)

  Admin               %s   (Organization Management, MFA enforced)
  Password            %s
  TOTP secret         %s   (scan the QR code below with an authenticator app)
  Text-message phone  %s   (codes are printed in the log)
  Reviewer            %s / %s  (TOTP %s)
  Automation app id   %s   (certificate %s)

Connect:
  %s

Facts as JSON: %s

`, f.AuthorityURL, f.ComplianceURI, f.ExchangeURI, f.CAFile, f.AdminUPN, f.AdminPassword, f.AdminTOTPSecret,
		f.AdminPhone, f.ReviewerUPN, f.ReviewerPassword, f.ReviewerTOTPSecret, f.AppID, f.AppBundleFile, f.ConnectCommand,
		filepath.Join(filepath.Dir(f.CAFile), "..", "dev.json"))
	if f.AdminTOTPURL != "" {
		qrterminal.GenerateHalfBlock(f.AdminTOTPURL, qrterminal.L, w)
	}
}
