// Package compliance is the command side of ippsd: the retention and
// label cmdlets of Security & Compliance, the recipient cmdlets of Exchange
// Online, the runspace.Provider that opens per-shell runspaces for both
// endpoints (remote-PowerShell gate, five-connection limit, RBAC-filtered
// cmdlet table, fail-closed audit), and the background distributor that
// moves policy DistributionStatus from Pending to Success.
//
// Wiring in ippsd:
//
//	st, _ := storage.Open(ctx, dsn, logger)
//	_ = compliance.Seed(ctx, st, tenantID)            // default role groups
//	broker, _ := audit.NewBroker(st, audit.Config{HMACKey: key}, logger)
//	scc, _ := compliance.NewProvider(compliance.Config{Endpoint: compliance.SecurityCompliance, ReplicaID: id}, st, broker, logger)
//	exo, _ := compliance.NewProvider(compliance.Config{Endpoint: compliance.ExchangeOnline, ReplicaID: id}, st, broker, logger)
//	go scc.Run(ctx); go exo.Run(ctx)                   // lease renewal
//	go compliance.NewDistributor(st, compliance.DistributorConfig{}, logger).Run(ctx)
//	// hand implicit.Wrap-ped runspaces to the remoting server:
//	provider := implicit.Provider(scc, compliance.FormatTable())
package compliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/audit"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/rbac"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
)

// Endpoint selects a cmdlet table and RBAC namespace.
type Endpoint uint8

// Endpoints.
const (
	SecurityCompliance Endpoint = iota + 1
	ExchangeOnline
)

func (e Endpoint) String() string {
	if e == ExchangeOnline {
		return "ExchangeOnline"
	}
	return "SecurityCompliance"
}

// Module names reported by Get-Command.
const (
	moduleSCC = "tmp_ipps_scc"
	moduleEXO = "tmp_ipps_exo"
)

// AccessDeniedMessage is the fault text for an account whose
// RemotePowerShellEnabled is $false; the client prints it as "Connecting to
// remote server <host> failed with the following error message : Access is
// denied. For more information, see the about_Remote_Troubleshooting Help
// topic." (compliance-cmdlets.md §2.1, [I #4539]).
const AccessDeniedMessage = "Access is denied."

// QuotaMessage is the AuthZ text for the (max+1)th concurrent shell of a
// user (exo-module-anchor.md §4.1).
func QuotaMessage(max int) string {
	return fmt.Sprintf("[AuthZRequestId=%s][FailureCategory=AuthZ-AuthorizationException] Fail to create a runspace because you have exceeded "+
		"the maximum number of connections allowed : %d for the policy party : MaxConcurrency. Please close existing runspace and try again.",
		uuid.NewString(), max)
}

// Config configures a Provider.
type Config struct {
	Endpoint Endpoint
	// ReplicaID names this process in leases. Required.
	ReplicaID string
	// Server is the server name in Exchange error texts ("couldn't be
	// found on '<Server>'"). Default: the upper-cased host name.
	Server string
	// MaxConnections is the per-user concurrent shell limit, counted in
	// the shared database across replicas. Default 5.
	MaxConnections int
	// LeaseTTL is how long a lease lives without renewal; Run renews
	// open shells every LeaseTTL/3. Default 15 minutes.
	LeaseTTL time.Duration
	// OrgAdminRoles are token roles that make the caller an implicit
	// member of Organization Management (global administrators).
	OrgAdminRoles []string
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// SetDefaults fills zero fields.
func (c *Config) SetDefaults() {
	if c.Endpoint == 0 {
		c.Endpoint = SecurityCompliance
	}
	if c.Server == "" {
		h, _ := os.Hostname()
		c.Server = strings.ToUpper(orDefault(h, "IPPSD"))
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = 5
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 15 * time.Minute
	}
	if c.OrgAdminRoles == nil {
		c.OrgAdminRoles = []string{"Global Administrator", "62e90394-69f5-4237-9190-012177145e10"}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports configuration errors.
func (c *Config) Validate() error {
	if c.ReplicaID == "" {
		return errors.New("compliance: ReplicaID is required")
	}
	if c.Endpoint != SecurityCompliance && c.Endpoint != ExchangeOnline {
		return fmt.Errorf("compliance: unknown endpoint %d", c.Endpoint)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Provider implements runspace.Provider for one endpoint.
type Provider struct {
	cfg    Config
	st     storage.Storage
	broker *audit.Broker
	logger *slog.Logger
	table  *cmdlet.Table
	ns     rbac.Namespace

	// views shares the cmdlet view of each distinct RBAC assignment
	// between the open shells that have it.
	views viewCache

	mu sync.Mutex // guards open
	// open maps the shell IDs with a lease held by this provider to the
	// view each one holds.
	open map[string]*commandView
}

var _ runspace.Provider = (*Provider)(nil)

// NewProvider returns a Provider; cfg is defaulted and validated.
func NewProvider(cfg Config, st storage.Storage, broker *audit.Broker, logger *slog.Logger) (*Provider, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if broker == nil {
		return nil, errors.New("compliance: an audit broker is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	svc := &Service{st: st}
	table, err := svc.Table(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	ns := rbac.SCC
	if cfg.Endpoint == ExchangeOnline {
		ns = rbac.EXO
	}
	return &Provider{cfg: cfg, st: st, broker: broker, logger: logger.With("endpoint", cfg.Endpoint.String()), table: table, ns: ns, open: map[string]*commandView{}}, nil
}

// Open refuses a principal whose account is missing or has
// RemotePowerShellEnabled $false (RefusedAccess, AccessDeniedMessage), or
// who already holds MaxConnections unexpired shells in the shared database
// (RefusedQuota, QuotaMessage); otherwise it reads the user's RBAC
// assignment afresh (so role-group changes apply to every new shell) and
// returns a runspace holding a lease for shellID until Close. The
// runspace's compiled grants and cmdlet table are shared with the other
// open shells whose assignment is the same (see viewCache).
func (p *Provider) Open(ctx context.Context, pr runspace.Principal, shellID string) (runspace.Runspace, error) {
	u, err := p.st.GetUser(ctx, pr.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &runspace.RefusedError{Kind: runspace.RefusedAccess, Message: AccessDeniedMessage}
	}
	if err != nil {
		return nil, fmt.Errorf("compliance: open: get user: %w", err)
	}
	if !u.Enabled || !u.RemotePowerShellEnabled {
		p.logger.InfoContext(ctx, "remote PowerShell refused", "user", u.UPN, "enabled", u.Enabled)
		return nil, &runspace.RefusedError{Kind: runspace.RefusedAccess, Message: AccessDeniedMessage}
	}
	var implicitGroups []string
	for _, r := range pr.Roles {
		if slices.ContainsFunc(p.cfg.OrgAdminRoles, func(a string) bool { return strings.EqualFold(a, r) }) {
			implicitGroups = []string{"Organization Management"}
		}
	}
	assignment, err := rbac.Read(ctx, p.st, u.TenantID, u.ID, rbac.Options{Namespace: p.ns, ImplicitGroups: implicitGroups})
	if err != nil {
		return nil, fmt.Errorf("compliance: open: %w", err)
	}
	now := p.cfg.Now().UTC()
	lease := storage.Lease{ShellID: shellID, UserID: u.ID, TenantID: u.TenantID, ReplicaID: p.cfg.ReplicaID,
		ClientAddr: pr.ClientAddr, CreatedAt: now, RenewedAt: now, ExpiresAt: now.Add(p.cfg.LeaseTTL)}
	if err := p.st.AcquireLease(ctx, lease, p.cfg.MaxConnections); err != nil {
		if errors.Is(err, storage.ErrLeaseLimit) {
			p.logger.InfoContext(ctx, "connection limit reached", "user", u.UPN, "max", p.cfg.MaxConnections)
			return nil, &runspace.RefusedError{Kind: runspace.RefusedQuota, Message: QuotaMessage(p.cfg.MaxConnections)}
		}
		return nil, fmt.Errorf("compliance: open: acquire lease: %w", err)
	}
	view := p.views.acquire(assignment, p.table)
	p.mu.Lock()
	prev := p.open[shellID]
	p.open[shellID] = view
	p.mu.Unlock()
	if prev != nil {
		p.views.release(prev)
	}
	pr.TenantID, pr.UserID = u.TenantID, u.ID
	if pr.UPN == "" {
		pr.UPN = u.UPN
	}
	return view.runspace(p, pr, shellID), nil
}

// release drops the shell's lease and its hold on its view.
func (p *Provider) release(ctx context.Context, shellID string) error {
	p.mu.Lock()
	view := p.open[shellID]
	delete(p.open, shellID)
	p.mu.Unlock()
	if view != nil {
		p.views.release(view)
	}
	if err := p.st.ReleaseLease(context.WithoutCancel(ctx), shellID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("compliance: release lease %s: %w", shellID, err)
	}
	return nil
}

// Run renews the leases of this provider's open shells every LeaseTTL/3
// until ctx is done; it returns ctx.Err().
func (p *Provider) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			p.mu.Lock()
			ids := make([]string, 0, len(p.open))
			for id := range p.open {
				ids = append(ids, id)
			}
			p.mu.Unlock()
			if len(ids) == 0 {
				continue
			}
			if _, err := p.st.RenewLeases(ctx, p.cfg.ReplicaID, ids, p.cfg.Now().UTC().Add(p.cfg.LeaseTTL)); err != nil {
				p.logger.WarnContext(ctx, "lease renewal failed", "err", err, "shells", len(ids))
			}
		}
	}
}

// Service declares the compliance cmdlets over a store.
type Service struct {
	st storage.Storage
	// policies and tags cache decoded bodies for the Get cmdlets.
	policies bodyCache[policyBody]
	tags     bodyCache[tagBody]
}

// NewService returns a Service over st.
func NewService(st storage.Storage) *Service { return &Service{st: st} }

// Table builds the cmdlet table of an endpoint.
func (s *Service) Table(ep Endpoint) (*cmdlet.Table, error) {
	var list []*cmdlet.Cmdlet
	module := moduleSCC
	switch ep {
	case ExchangeOnline:
		module = moduleEXO
		list = append(list, s.userCmdlets()...)
		list = append(list, s.tagCmdlets()[0]) // Get-ComplianceTag is also in EXO
		list = append(list, audit.Cmdlets(s.st)...)
		list = append(list, rbac.Cmdlets(s.st, rbac.EXO)...)
	default:
		list = append(list, s.policyCmdlets()...)
		list = append(list, s.ruleCmdlets()...)
		list = append(list, s.tagCmdlets()...)
		list = append(list, s.userCmdlets()[0]) // Get-User is also in SCC
		list = append(list, rbac.Cmdlets(s.st, rbac.SCC)...)
	}
	for _, c := range list {
		c.Module = module
	}
	return cmdlet.NewTable(list...)
}

// Seed creates the default role groups and roles of both endpoints in
// tenantID (idempotent).
func Seed(ctx context.Context, st storage.RBACStore, tenantID string) error {
	return rbac.Seed(ctx, st, tenantID)
}
