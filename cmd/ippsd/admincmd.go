package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ipps/ipps/internal/admin"
	"github.com/ipps/ipps/internal/compliance"
	"github.com/ipps/ipps/internal/rbac"
	"github.com/ipps/ipps/internal/storage"
	_ "github.com/ipps/ipps/internal/storage/sql"
)

// adminFlags locate the database for the bootstrap commands.
type adminFlags struct{ file, dsn string }

func (f *adminFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.file, "config", "", "JSON configuration file (for its dsn)")
	cmd.PersistentFlags().StringVar(&f.dsn, "dsn", "", "storage DSN: SQLite path or postgres:// URL (overrides --config and IPPSD_DSN)")
}

// open runs fn with an Admin over the configured store.
func (f *adminFlags) open(cmd *cobra.Command, fn func(ctx context.Context, a *admin.Admin) error) error {
	cfg, err := loadConfig(cmd, f.file, nil)
	if err != nil && f.dsn == "" {
		return err
	}
	dsn := cfg.DSN
	if f.dsn != "" {
		dsn = f.dsn
	}
	st, err := storage.Open(cmd.Context(), dsn, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	a := &admin.Admin{Store: st, Issuer: "ipps", Seed: func(ctx context.Context, tx storage.Storage, tid string) error {
		return compliance.Seed(ctx, tx, tid)
	}}
	return fn(cmd.Context(), a)
}

func newTenantCmd() *cobra.Command {
	var af adminFlags
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants"}
	af.register(cmd)
	var display string
	create := &cobra.Command{
		Use:     "create <domain>",
		Short:   "Create a tenant with its first verified domain and the default role groups",
		Example: "  ippsd tenant create contoso.com --display-name Contoso --dsn postgres://ipps@db/ipps",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return af.open(cmd, func(ctx context.Context, a *admin.Admin) error {
				t, err := a.CreateTenant(ctx, args[0], display)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "tenant %s created: id %s\n", args[0], t.ID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&display, "display-name", "", "display name")
	cmd.AddCommand(create)
	return cmd
}

func newUserCmd() *cobra.Command {
	var af adminFlags
	cmd := &cobra.Command{Use: "user", Short: "Manage users: create, reset-password, reset-mfa, disable"}
	af.register(cmd)
	var (
		password, display, phone string
		mfa                      bool
	)
	create := &cobra.Command{
		Use:   "create <upn>",
		Short: "Create a user (prints the password and, with --mfa, the TOTP secret)",
		Example: `  ippsd user create alice@contoso.com --mfa --phone "+1 555 0100"
  ippsd user create svc@contoso.com --password 'S3cret!x'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return af.open(cmd, func(ctx context.Context, a *admin.Admin) error {
				nu := admin.NewUser{UPN: args[0], DisplayName: display, Password: password, Phone: phone}
				if mfa {
					nu.MFA = storage.MFAEnforced
				}
				cu, err := a.CreateUser(ctx, nu)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "user %s created: id %s\npassword: %s\n", cu.User.UPN, cu.User.ID, cu.Password)
				if cu.TOTPSecret != "" {
					fmt.Fprintf(out, "totp secret: %s\ntotp url: %s\n", cu.TOTPSecret, cu.TOTPURL)
				}
				return nil
			})
		},
	}
	create.Flags().StringVar(&password, "password", "", "password (generated when omitted)")
	create.Flags().StringVar(&display, "display-name", "", "display name")
	create.Flags().StringVar(&phone, "phone", "", "phone number for text-message codes")
	create.Flags().BoolVar(&mfa, "mfa", false, "enforce MFA and enrol an authenticator-app secret")

	var newPassword string
	reset := &cobra.Command{
		Use:   "reset-password <upn>",
		Short: "Set a new password and revoke the user's refresh tokens",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return af.open(cmd, func(ctx context.Context, a *admin.Admin) error {
				pw, err := a.ResetPassword(ctx, args[0], newPassword)
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "password of %s reset: %s\n", args[0], pw)
				}
				return err
			})
		},
	}
	reset.Flags().StringVar(&newPassword, "password", "", "new password (generated when omitted)")
	resetMFA := &cobra.Command{
		Use:   "reset-mfa <upn>",
		Short: "Enrol a new authenticator-app secret and forget recovery codes",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return af.open(cmd, func(ctx context.Context, a *admin.Admin) error {
				secret, url, err := a.ResetMFA(ctx, args[0])
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "totp secret of %s: %s\ntotp url: %s\n", args[0], secret, url)
				}
				return err
			})
		},
	}
	disable := &cobra.Command{
		Use:   "disable <upn>",
		Short: "Block sign-in and revoke the user's refresh tokens",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return af.open(cmd, func(ctx context.Context, a *admin.Admin) error {
				if err := a.DisableUser(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "user %s disabled\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(create, reset, resetMFA, disable)
	return cmd
}

func newRoleGroupCmd() *cobra.Command {
	var af adminFlags
	cmd := &cobra.Command{Use: "rolegroup", Short: "Manage role-group membership"}
	af.register(cmd)
	var exchange bool
	add := &cobra.Command{
		Use:     "add-member <role group> <upn>",
		Short:   "Add a user to a role group (Security & Compliance, or Exchange Online with --exchange)",
		Example: `  ippsd rolegroup add-member "Organization Management" alice@contoso.com`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return af.open(cmd, func(ctx context.Context, a *admin.Admin) error {
				group := args[0]
				if exchange {
					group = rbac.EXO.Stored(group)
				}
				if err := a.AddRoleGroupMember(ctx, group, args[1]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s is a member of %q\n", args[1], args[0])
				return nil
			})
		},
	}
	add.Flags().BoolVar(&exchange, "exchange", false, "the Exchange Online role group of that name")
	cmd.AddCommand(add)
	return cmd
}

func newAppCmd() *cobra.Command {
	var af adminFlags
	cmd := &cobra.Command{Use: "app", Short: "Manage application registrations"}
	af.register(cmd)
	var (
		certFile, name string
		roles          []string
	)
	create := &cobra.Command{
		Use:     "create <tenant domain>",
		Short:   "Register an app for app-only (certificate) sign-in",
		Example: `  ippsd app create contoso.com --name automation --certificate app.pem --role "Organization Management"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pemData, err := os.ReadFile(certFile)
			if err != nil {
				return fmt.Errorf("--certificate: %w", err)
			}
			return af.open(cmd, func(ctx context.Context, a *admin.Admin) error {
				app, err := a.CreateApp(ctx, admin.NewApp{TenantDomain: args[0], DisplayName: name, CertificatePEM: pemData, Roles: roles})
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "app %q created: app id %s\n", name, app.ClientID)
				}
				return err
			})
		},
	}
	create.Flags().StringVar(&certFile, "certificate", "", "PEM certificate the app signs its assertions with (required)")
	create.Flags().StringVar(&name, "name", "automation", "display name")
	create.Flags().StringSliceVar(&roles, "role", nil, "role group names the app holds in app-only sessions")
	create.MarkFlagRequired("certificate")
	cmd.AddCommand(create)
	return cmd
}
