package authority

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/storage"
)

// Well-known identifiers registered by default.
const (
	// ResourceCompliance is the Security & Compliance PowerShell resource.
	ResourceCompliance = "https://ps.compliance.protection.outlook.com"
	// ResourceExchange is the Exchange Online resource.
	ResourceExchange = "https://outlook.office365.com"
	// ClientEXOModule is the public client of ExchangeOnlineManagement V2/V3.
	ClientEXOModule = "fb78d390-0c51-40cd-8e17-fdbfab77341b"
	// ClientEXORemotePowerShell is the V1 module's public client.
	ClientEXORemotePowerShell = "a0c73c16-a7e3-4564-9a95-2bdf47383716"
)

// Config configures an Authority. Call SetDefaults then Validate (New does both).
type Config struct {
	// BaseURL is the https origin the authority is served at, for example
	// "https://login.ipps.example". Issuers and endpoints derive from it.
	BaseURL string
	// Resources are the accepted resource URIs (token audiences).
	Resources []string
	// DefaultScope is the scp granted for "<resource>/.default".
	DefaultScope string

	AccessTokenLifetime  time.Duration
	IDTokenLifetime      time.Duration
	RefreshTokenLifetime time.Duration
	AuthCodeLifetime     time.Duration
	DeviceCodeLifetime   time.Duration
	// DeviceCodeInterval is the polling interval advertised to clients.
	DeviceCodeInterval time.Duration
	// SignInLifetime bounds one interactive sign-in transaction.
	SignInLifetime time.Duration
	// KeyLifetime is how long a signing key signs before Rotate is due.
	KeyLifetime time.Duration

	// Lockout is the per-user smart lockout; IPLockout counts failures
	// per client address across users (password spray).
	Lockout   storage.LockoutPolicy
	IPLockout storage.LockoutPolicy
	// SMSCodeLifetime, SMSResendInterval and SMSMaxAttempts govern
	// text-message codes.
	SMSCodeLifetime   time.Duration
	SMSResendInterval time.Duration
	SMSMaxAttempts    int
	// SMS delivers text-message codes; nil disables that method.
	SMS mfa.Sender
	// SecretKey keys the hashes of SMS codes and, through HKDF-SHA256,
	// the AES-256-GCM encryption of the secrets of stored sign-in
	// transactions (a pending TOTP secret, recovery codes shown once).
	// Replicas must share it. Empty means a random key per process: SMS
	// codes and sign-ins in progress then don't survive a restart, and
	// replicas can't continue each other's sign-ins.
	SecretKey []byte
	// Password sets the argon2id cost of new password hashes.
	Password PasswordParams
	// MaxFormBytes caps request bodies of form posts.
	MaxFormBytes int64
	// FederationHTTPClient fetches IdP metadata; nil means a default client.
	FederationHTTPClient *http.Client
	// Events receives sign-in outcomes (metrics); nil drops them.
	Events Events
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// SetDefaults fills zero fields with production values.
func (c *Config) SetDefaults() {
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if len(c.Resources) == 0 {
		c.Resources = []string{ResourceCompliance, ResourceExchange}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.DefaultScope == "" {
		c.DefaultScope = "user_impersonation"
	}
	def(&c.AccessTokenLifetime, 75*time.Minute)
	def(&c.IDTokenLifetime, time.Hour)
	def(&c.RefreshTokenLifetime, 90*24*time.Hour)
	def(&c.AuthCodeLifetime, 5*time.Minute)
	def(&c.DeviceCodeLifetime, 15*time.Minute)
	def(&c.DeviceCodeInterval, 5*time.Second)
	def(&c.SignInLifetime, 15*time.Minute)
	def(&c.KeyLifetime, 30*24*time.Hour)
	def(&c.SMSCodeLifetime, 5*time.Minute)
	def(&c.SMSResendInterval, 30*time.Second)
	if c.SMSMaxAttempts == 0 {
		c.SMSMaxAttempts = 5
	}
	if c.Lockout.Threshold == 0 {
		c.Lockout = storage.DefaultLockoutPolicy
	}
	if c.IPLockout.Threshold == 0 {
		c.IPLockout = storage.LockoutPolicy{Threshold: 50, Duration: 5 * time.Minute, Growth: 2, MaxDuration: 24 * time.Hour, ResetAfter: time.Hour}
	}
	def(&c.Lockout.Duration, storage.DefaultLockoutPolicy.Duration)
	def(&c.IPLockout.Duration, 5*time.Minute)
	if c.Password == (PasswordParams{}) {
		c.Password = DefaultPasswordParams
	}
	if c.MaxFormBytes == 0 {
		c.MaxFormBytes = 64 << 10
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Events == nil {
		c.Events = noEvents{}
	}
}

// Validate reports configuration errors.
func (c *Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("authority: BaseURL %q must be an https origin", c.BaseURL)
	}
	if c.RefreshTokenLifetime < c.AccessTokenLifetime {
		return errors.New("authority: refresh token lifetime shorter than access token lifetime")
	}
	return nil
}
