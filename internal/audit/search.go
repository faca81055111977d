package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/cmdlet"
	"github.com/ipps/ipps/internal/storage"
)

// Output type names. UnifiedAuditRecord is [R] in compliance-cmdlets.md
// (recollection); its properties follow §1.12.
const (
	TypeUnifiedAuditRecord = "Microsoft.Exchange.Management.SystemConfigurationTasks.UnifiedAuditRecord"
	TypeAdminAuditLogEvent = "Microsoft.Exchange.Management.SystemConfigurationTasks.AdminAuditLogEvent"
	sessionKind            = "UnifiedAuditLogSearchSession"
)

// Paging caps per SessionCommand (compliance-cmdlets.md §1.12).
const (
	largeSetCap    = 50000
	previewPageCap = 5000
)

// recordTypes is a subset of AuditRecordType; ipps writes ExchangeAdmin.
var recordTypes = []string{"ExchangeAdmin", "ExchangeItem", "ExchangeItemGroup", "SharePoint", "SharePointFileOperation",
	"AzureActiveDirectory", "AzureActiveDirectoryAccountLogon", "ComplianceDLPSharePoint", "ComplianceDLPExchange",
	"SecurityComplianceCenterEOPCmdlet", "MicrosoftTeams"}

// Cmdlets declares Search-UnifiedAuditLog and Search-AdminAuditLog over
// st. Paging state for -SessionId lives in st as objects, so a session
// may continue on another replica.
func Cmdlets(st storage.Storage) []*cmdlet.Cmdlet {
	s := &searcher{st: st}
	date := func(name string, mandatory bool) *cmdlet.Param {
		return &cmdlet.Param{Name: name, Kind: cmdlet.DateTime, Type: "Microsoft.Exchange.ExchangeSystem.ExDateTime", Mandatory: mandatory,
			Help: "UTC; a date without a time is midnight."}
	}
	return []*cmdlet.Cmdlet{
		{Name: "Search-UnifiedAuditLog", Synopsis: "Searches the unified audit log.", OutputTypes: []string{TypeUnifiedAuditRecord}, Run: s.unified,
			Params: []*cmdlet.Param{
				date("StartDate", true), date("EndDate", true),
				{Name: "RecordType", Kind: cmdlet.Enum, Type: "Microsoft.Exchange.Management.SystemConfigurationTasks.AuditRecordType", Values: recordTypes},
				{Name: "Operations", Kind: cmdlet.String, Multi: true},
				{Name: "UserIds", Kind: cmdlet.String, Multi: true},
				{Name: "ObjectIds", Kind: cmdlet.String, Multi: true},
				{Name: "IPAddresses", Kind: cmdlet.String, Multi: true},
				{Name: "SiteIds", Kind: cmdlet.String, Multi: true},
				{Name: "FreeText", Kind: cmdlet.String},
				{Name: "Formatted", Kind: cmdlet.Switch},
				{Name: "ResultSize", Kind: cmdlet.Int, Range: &cmdlet.Range{Min: 1, Max: 5000}, Help: "Default 100, maximum 5000."},
				{Name: "SessionId", Kind: cmdlet.String},
				{Name: "SessionCommand", Kind: cmdlet.Enum, Type: "Microsoft.Exchange.Management.SystemConfigurationTasks.SessionCommand", Values: []string{"ReturnLargeSet", "ReturnNextPreviewPage"}},
				{Name: "HighCompleteness", Kind: cmdlet.Switch},
				{Name: "LongerRetentionEnabled", Kind: cmdlet.String},
			}},
		{Name: "Search-AdminAuditLog", Synopsis: "Searches the administrator audit log.", OutputTypes: []string{TypeAdminAuditLogEvent}, Run: s.admin,
			Params: []*cmdlet.Param{
				{Name: "Cmdlets", Kind: cmdlet.String, Multi: true},
				{Name: "Parameters", Kind: cmdlet.String, Multi: true},
				date("StartDate", false), date("EndDate", false),
				{Name: "UserIds", Kind: cmdlet.String, Multi: true},
				{Name: "ObjectIds", Kind: cmdlet.String, Multi: true},
				{Name: "IsSuccess", Kind: cmdlet.Bool},
				{Name: "ExternalAccess", Kind: cmdlet.Bool},
				{Name: "ResultSize", Kind: cmdlet.Int, Range: &cmdlet.Range{Min: 1, Max: 250000}},
				{Name: "StartIndex", Kind: cmdlet.Int, Range: &cmdlet.Range{Min: 0, Max: 250000}},
			}},
	}
}

type searcher struct{ st storage.Storage }

// session is the stored paging state of one -SessionId.
type session struct {
	Cursor string `json:"cursor"` // storage cursor of the page holding the next record
	Skip   int    `json:"skip"`   // records of that page already consumed
	Index  int    `json:"index"`
	Count  int    `json:"count"`
}

// filter is the part of a Search-UnifiedAuditLog query storage can't
// evaluate: -RecordType, -ObjectIds, -IPAddresses and -FreeText.
func filter(b *cmdlet.Bound) func(storage.AuditRecord) bool {
	rt, objs, ips, text := b.String("RecordType"), b.Strings("ObjectIds"), b.Strings("IPAddresses"), strings.ToLower(b.String("FreeText"))
	return func(r storage.AuditRecord) bool {
		if rt != "" && rt != "ExchangeAdmin" {
			return false // ipps writes ExchangeAdmin records only
		}
		if !overlaps(r.ObjectIDs, objs) || (len(ips) > 0 && !hasAll(ips, []string{r.ClientAddr})) {
			return false
		}
		if text != "" && !strings.Contains(strings.ToLower(r.Cmdlet+" "+string(r.Parameters)+" "+r.Error+" "+strings.Join(r.ObjectIDs, " ")), text) {
			return false
		}
		return true
	}
}

// collect reads up to n records kept by keep, starting at pos, and
// returns them with the position after the last one (done when the log is
// exhausted).
func (s *searcher) collect(ctx context.Context, q storage.AuditQuery, pos session, n int, keep func(storage.AuditRecord) bool) ([]storage.AuditRecord, session, bool, error) {
	var out []storage.AuditRecord
	cur, skip := pos.Cursor, pos.Skip
	for {
		q.Page = storage.Page{Size: storage.MaxPageSize, Cursor: cur}
		recs, next, err := s.st.SearchAudit(ctx, q)
		if err != nil {
			return nil, pos, false, fmt.Errorf("audit: search: %w", err)
		}
		for i := skip; i < len(recs); i++ {
			if !keep(recs[i]) {
				continue
			}
			out = append(out, recs[i])
			if len(out) == n {
				return out, session{Cursor: cur, Skip: i + 1}, false, nil
			}
		}
		if next == "" {
			return out, session{}, true, nil
		}
		cur, skip = next, 0
	}
}

func (s *searcher) query(inv *cmdlet.Invocation) (storage.AuditQuery, error) {
	start, _ := inv.Bound.Time("StartDate")
	end, _ := inv.Bound.Time("EndDate")
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return storage.AuditQuery{}, cmdlet.InvalidParameter("The start date must be earlier than the end date.")
	}
	return storage.AuditQuery{TenantID: inv.Principal.TenantID, Start: start, End: end,
		UserIDs: inv.Bound.Strings("UserIds"), Operations: inv.Bound.Strings("Operations")}, nil
}

// count counts records kept by keep, up to limit.
func (s *searcher) count(ctx context.Context, q storage.AuditQuery, limit int, keep func(storage.AuditRecord) bool) (int, error) {
	recs, _, _, err := s.collect(ctx, q, session{}, limit, keep)
	return len(recs), err
}

func (s *searcher) unified(ctx context.Context, inv *cmdlet.Invocation) error {
	q, err := s.query(inv)
	if err != nil {
		return err
	}
	size := inv.Bound.Int("ResultSize", 100)
	limit := previewPageCap
	if inv.Bound.String("SessionCommand") == "ReturnLargeSet" {
		limit = largeSetCap
	}
	sid := inv.Bound.String("SessionId")
	var st session
	var obj storage.Object
	tenant := inv.Principal.TenantID
	key := inv.Principal.UserID + "/" + sid
	if sid != "" {
		obj, err = s.st.GetObjectByName(ctx, tenant, sessionKind, key)
		switch {
		case err == nil:
			if err := json.Unmarshal(obj.Body, &st); err != nil {
				return fmt.Errorf("audit: session state: %w", err)
			}
		case errors.Is(err, storage.ErrNotFound):
			obj = storage.Object{}
		default:
			return fmt.Errorf("audit: session state: %w", err)
		}
	}
	keep := filter(inv.Bound)
	if obj.ID == "" {
		if st.Count, err = s.count(ctx, q, limit, keep); err != nil {
			return err
		}
	}
	if st.Index >= st.Count {
		return nil
	}
	recs, pos, done, err := s.collect(ctx, q, st, min(size, st.Count-st.Index), keep)
	if err != nil {
		return err
	}
	for i, r := range recs {
		if err := inv.WriteObject(unifiedObject(r, st.Index+i+1, st.Count)); err != nil {
			return err
		}
	}
	if sid == "" {
		return nil
	}
	st.Index += len(recs)
	st.Cursor, st.Skip = pos.Cursor, pos.Skip
	if done {
		st.Index = st.Count
	}
	body, _ := json.Marshal(st)
	if obj.ID == "" {
		_, err = s.st.CreateObject(ctx, storage.Object{TenantID: tenant, Kind: sessionKind, ID: uuid.NewString(), Name: key, Body: body})
	} else {
		_, err = s.st.UpdateObject(ctx, tenant, sessionKind, obj.ID, func(o storage.Object) (storage.Object, error) {
			o.Body = body
			return o, nil
		})
	}
	if err != nil {
		return fmt.Errorf("audit: save session: %w", err)
	}
	return nil
}

// auditData is the JSON AuditData of an ExchangeAdmin record.
func auditData(r storage.AuditRecord) string {
	var params map[string]any
	_ = json.Unmarshal(r.Parameters, &params)
	type nv struct{ Name, Value string }
	list := []nv{}
	for _, k := range paramNames(r.Parameters) {
		list = append(list, nv{k, fmt.Sprint(params[k])})
	}
	d := map[string]any{
		"CreationTime": r.Time.UTC().Format("2006-01-02T15:04:05"), "Id": r.ID, "Operation": r.Cmdlet,
		"OrganizationId": r.TenantID, "RecordType": 1, "ResultStatus": fmt.Sprint(r.Succeeded), "UserKey": r.UserID,
		"UserType": 2, "Version": 1, "Workload": "Exchange", "ClientIP": r.ClientAddr, "ObjectId": strings.Join(r.ObjectIDs, ","),
		"UserId": r.UPN, "ExternalAccess": false, "Parameters": list, "SessionId": r.SessionID,
	}
	if r.Error != "" {
		d["ErrorMessage"] = r.Error
	}
	b, _ := json.Marshal(d)
	return string(b)
}

func unifiedObject(r storage.AuditRecord, index, count int) *clixml.Object {
	o := clixml.NewTypedObject([]string{TypeUnifiedAuditRecord, "System.Object"},
		clixml.Property{Name: "RecordType", Value: clixml.NewEnum("Microsoft.Exchange.Management.SystemConfigurationTasks.AuditRecordType", 1, "ExchangeAdmin")},
		clixml.Property{Name: "CreationDate", Value: clixml.DateTime{Time: r.Time.UTC(), Kind: clixml.KindUtc}},
		clixml.Property{Name: "UserIds", Value: r.UPN},
		clixml.Property{Name: "Operations", Value: r.Cmdlet},
		clixml.Property{Name: "AuditData", Value: auditData(r)},
		clixml.Property{Name: "ResultIndex", Value: int32(index)},
		clixml.Property{Name: "ResultCount", Value: int32(count)},
		clixml.Property{Name: "Identity", Value: r.ID},
		clixml.Property{Name: "IsValid", Value: true},
		clixml.Property{Name: "ObjectState", Value: "Unchanged"},
	)
	return o
}

func (s *searcher) admin(ctx context.Context, inv *cmdlet.Invocation) error {
	q, err := s.query(inv)
	if err != nil {
		return err
	}
	q.Operations = inv.Bound.Strings("Cmdlets")
	size := inv.Bound.Int("ResultSize", 1000)
	skip := inv.Bound.Int("StartIndex", 0)
	wantParams := inv.Bound.Strings("Parameters")
	objIDs := inv.Bound.Strings("ObjectIds")
	q.Page = storage.Page{Size: storage.MaxPageSize}
	n := 0
	for {
		recs, next, err := s.st.SearchAudit(ctx, q)
		if err != nil {
			return fmt.Errorf("audit: search: %w", err)
		}
		for _, r := range recs {
			if inv.Bound.Has("IsSuccess") && r.Succeeded != inv.Bound.Bool("IsSuccess", true) {
				continue
			}
			if !hasAll(paramNames(r.Parameters), wantParams) || !overlaps(r.ObjectIDs, objIDs) {
				continue
			}
			// The admin audit log records changes: read-only cmdlets only
			// appear when asked for by name.
			if len(q.Operations) == 0 && readOnlyCmdlet(r.Cmdlet) {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if n == size {
				return nil
			}
			n++
			if err := inv.WriteObject(adminObject(r, inv.Server)); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		q.Page.Cursor = next
	}
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || strings.EqualFold(h, w)
		}
		if !found {
			return false
		}
	}
	return true
}

func overlaps(have, want []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if hasAll(have, []string{w}) {
			return true
		}
	}
	return false
}

func adminObject(r storage.AuditRecord, server string) *clixml.Object {
	var params map[string]any
	_ = json.Unmarshal(r.Parameters, &params)
	var plist []string
	for _, k := range paramNames(r.Parameters) {
		plist = append(plist, fmt.Sprintf("%s=%v", k, params[k]))
	}
	return clixml.NewTypedObject([]string{TypeAdminAuditLogEvent, "System.Object"},
		clixml.Property{Name: "ObjectModified", Value: strings.Join(r.ObjectIDs, ",")},
		clixml.Property{Name: "CmdletName", Value: r.Cmdlet},
		clixml.Property{Name: "CmdletParameters", Value: clixml.NewStringList(plist...)},
		clixml.Property{Name: "ModifiedProperties", Value: clixml.NewStringList()},
		clixml.Property{Name: "Caller", Value: r.UPN},
		clixml.Property{Name: "ExternalAccess", Value: false},
		clixml.Property{Name: "Succeeded", Value: r.Succeeded},
		clixml.Property{Name: "Error", Value: r.Error},
		clixml.Property{Name: "RunDate", Value: clixml.DateTime{Time: r.Time.UTC(), Kind: clixml.KindUtc}},
		clixml.Property{Name: "OriginatingServer", Value: server},
		clixml.Property{Name: "ClientIP", Value: r.ClientAddr},
		clixml.Property{Name: "SessionId", Value: r.SessionID},
		clixml.Property{Name: "Identity", Value: r.ID},
		clixml.Property{Name: "IsValid", Value: true},
	)
}

// readOnlyCmdlet reports Get-* and Search-* cmdlets.
func readOnlyCmdlet(name string) bool {
	verb, _, _ := strings.Cut(strings.ToLower(name), "-")
	return verb == "get" || verb == "search"
}
