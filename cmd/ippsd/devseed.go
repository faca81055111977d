package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/compliance"
	"github.com/ipps/ipps/internal/daemon"
	"github.com/ipps/ipps/internal/psrp"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
)

// seedObjects creates the demo retention labels and policies through the
// real cmdlets, as the admin, so they are validated and audited like any
// other change.
func seedObjects(ctx context.Context, d *daemon.Daemon, u storage.User) error {
	pr := runspace.Principal{UserID: u.ID, UPN: u.UPN, TenantID: u.TenantID, ClientAddr: "127.0.0.1"}
	rs, err := d.Provider(compliance.SecurityCompliance).Open(ctx, pr, "DEV-SEED-"+uuid.NewString())
	if err != nil {
		return err
	}
	defer rs.Close(ctx)
	arg := func(n string, v clixml.Value) runspace.Arg { return runspace.Arg{Name: n, Value: v} }
	steps := []runspace.Command{
		{Name: "New-ComplianceTag", Args: []runspace.Arg{arg("Name", "Finance-7y"), arg("RetentionAction", "Keep"), arg("RetentionDuration", "2555"), arg("RetentionType", "CreationAgeInDays"), arg("Comment", "Keep financial records for seven years")}},
		{Name: "New-ComplianceTag", Args: []runspace.Arg{arg("Name", "HR-Delete-3y"), arg("RetentionAction", "KeepAndDelete"), arg("RetentionDuration", "1095"), arg("RetentionType", "ModificationAgeInDays")}},
		{Name: "New-RetentionCompliancePolicy", Args: []runspace.Arg{arg("Name", "Contoso Mailboxes"), arg("ExchangeLocation", "All"), arg("Comment", "Demo policy for every mailbox")}},
		{Name: "New-RetentionComplianceRule", Args: []runspace.Arg{arg("Name", "Contoso Mailboxes Rule"), arg("Policy", "Contoso Mailboxes"), arg("RetentionDuration", "3650"), arg("RetentionComplianceAction", "Keep")}},
		{Name: "New-RetentionCompliancePolicy", Args: []runspace.Arg{arg("Name", "Finance Sites"), arg("SharePointLocation", "https://contoso.sharepoint.com/sites/finance")}},
	}
	for _, c := range steps {
		var out collect
		if err := rs.Invoke(ctx, &runspace.Pipeline{Commands: []runspace.Command{c}}, &out); err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		if len(out.errs) > 0 {
			return fmt.Errorf("%s: %w", c.Name, errors.Join(out.errs...))
		}
	}
	return nil
}

// collect is a runspace.Output that keeps errors and drops the rest.
type collect struct{ errs []error }

func (c *collect) WriteObject(clixml.Value) error { return nil }
func (c *collect) WriteError(r *psrp.ErrorRecord) error {
	c.errs = append(c.errs, r)
	return nil
}
func (c *collect) WriteInformational(psrp.InformationalRecord) error { return nil }
func (c *collect) WriteProgress(psrp.ProgressRecord) error           { return nil }
func (c *collect) WriteInformation(psrp.InformationRecord) error     { return nil }
