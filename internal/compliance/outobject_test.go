package compliance

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/storage"
)

// The reference builders below are the straightforward constructions the
// slab builders replaced; the output objects must stay identical to them
// (wire compatibility), structure and serialization both.

func refBase(o storage.Object) []clixml.Property {
	return []clixml.Property{
		{Name: "Identity", Value: o.ID},
		{Name: "Guid", Value: guid(o.ID)},
		{Name: "DistinguishedName", Value: fmt.Sprintf("CN=%s,CN=%ss,CN=ConfigurationUnits,OU=%s", o.ID, o.Kind, o.TenantID)},
		{Name: "Id", Value: o.Name},
		{Name: "IsValid", Value: true},
		{Name: "ObjectState", Value: "Unchanged"},
		{Name: "WhenCreated", Value: dt(o.CreatedAt)},
		{Name: "WhenChanged", Value: dt(o.ModifiedAt)},
		{Name: "WhenCreatedUTC", Value: dt(o.CreatedAt)},
		{Name: "WhenChangedUTC", Value: dt(o.ModifiedAt)},
	}
}

func refTyped(typeName, name string, props ...clixml.Property) *clixml.Object {
	o := clixml.NewTypedObject([]string{typeName, "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"}, props...)
	o.ToString = clixml.Str(name)
	return o
}

func refPolicyObject(o storage.Object, b policyBody, ruleTypes []string) *clixml.Object {
	mode := "Enforce"
	if b.IsSimulation {
		mode = "Test"
	}
	props := []clixml.Property{
		{Name: "Name", Value: o.Name},
		{Name: "Workload", Value: "Exchange, SharePoint, OneDriveForBusiness, Skype, ModernGroup"},
		{Name: "Enabled", Value: b.Enabled},
		{Name: "Mode", Value: mode},
		{Name: "Comment", Value: b.Comment},
		{Name: "DistributionStatus", Value: b.DistributionStatus},
		{Name: "DistributionResults", Value: strs(b.DistributionResults)},
		{Name: "LastStatusUpdateTime", Value: dt(b.LastStatusUpdateTime)},
		{Name: "RestrictiveRetention", Value: b.RestrictiveRetention},
		{Name: "TeamsPolicy", Value: b.TeamsPolicy},
		{Name: "Applications", Value: strs(b.Applications)},
		{Name: "AdaptiveScopeLocation", Value: strs(b.AdaptiveScopes)},
		{Name: "PolicyRBACScopes", Value: strs(b.PolicyRBACScopes)},
		{Name: "Type", Value: "RetentionCompliancePolicy"},
		{Name: "CreatedBy", Value: b.CreatedBy},
		{Name: "LastModifiedBy", Value: b.LastModifiedBy},
	}
	for _, f := range locationFamilies {
		props = append(props, clixml.Property{Name: f.name, Value: strs(b.Locations[f.name])})
		if f.exception {
			props = append(props, clixml.Property{Name: f.name + "Exception", Value: strs(b.Locations[f.name+"Exception"])})
		}
	}
	props = append(props, clixml.Property{Name: "RetentionRuleTypes", Value: strs(ruleTypes)}, clixml.Property{Name: "HasRules", Value: len(ruleTypes) > 0})
	return refTyped(TypePolicy, o.Name, append(props, refBase(o)...)...)
}

func refTagObject(o storage.Object, b tagBody) *clixml.Object {
	props := []clixml.Property{
		{Name: "Name", Value: o.Name},
		{Name: "Priority", Value: int32(0)},
		{Name: "RetentionAction", Value: b.RetentionAction},
		{Name: "RetentionDuration", Value: nilIfEmpty(b.RetentionDuration)},
		{Name: "RetentionType", Value: b.RetentionType},
		{Name: "Workload", Value: "Exchange, SharePoint, OneDriveForBusiness, ModernGroup"},
		{Name: "IsRecordLabel", Value: b.IsRecordLabel},
		{Name: "Regulatory", Value: b.Regulatory},
		{Name: "EventType", Value: b.EventType},
		{Name: "FilePlanMetadata", Value: b.FilePlanProperty},
		{Name: "ReviewerEmail", Value: strs(b.ReviewerEmail)},
		{Name: "Notes", Value: b.Notes},
		{Name: "Comment", Value: b.Comment},
		{Name: "MultiStageReviewProperty", Value: b.MultiStageReviewProperty},
		{Name: "Mode", Value: "Enforce"},
		{Name: "CreatedBy", Value: b.CreatedBy},
		{Name: "LastModifiedBy", Value: b.LastModifiedBy},
	}
	return refTyped(TypeTag, o.Name, append(props, refBase(o)...)...)
}

// sameOutput fails t unless got and want are deeply equal and serialize
// to the same CLIXML, alone and side by side in one document.
func sameOutput(t *testing.T, got, want *clixml.Object) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("objects differ:\n got %#v\nwant %#v", got, want)
	}
	gb, err1 := clixml.Marshal(got)
	wb, err2 := clixml.Marshal(want)
	if err1 != nil || err2 != nil || string(gb) != string(wb) {
		t.Fatalf("serialization differs (%v, %v):\n got %s\nwant %s", err1, err2, gb, wb)
	}
	gd, _ := clixml.MarshalDocument([]clixml.Value{got, got})
	wd, _ := clixml.MarshalDocument([]clixml.Value{want, want})
	if string(gd) != string(wd) {
		t.Fatalf("document serialization differs:\n got %s\nwant %s", gd, wd)
	}
}

func TestOutputObjectsMatchReference(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	objs := []storage.Object{
		{TenantID: uuid.NewString(), Kind: KindPolicy, ID: uuid.NewString(), Name: "P<1>&", CreatedAt: now, ModifiedAt: now.Add(time.Hour)},
		{TenantID: "t", Kind: KindPolicy, ID: "not-a-guid", Name: "plain"},
	}
	bodies := []policyBody{
		{},
		{Comment: "c", Enabled: true, RestrictiveRetention: true, IsSimulation: true, TeamsPolicy: true, Applications: []string{"User:Exchange"},
			Locations:      map[string][]string{"ExchangeLocation": {"All"}, "ExchangeLocationException": {"a@x", "b@x"}, "PublicFolderLocation": {"All"}, "TeamsChatLocation": {}},
			AdaptiveScopes: []string{"s1"}, PolicyRBACScopes: []string{"au"}, DistributionStatus: StatusError, DistributionResults: []string{"r1", "r2"},
			LastStatusUpdateTime: now, CreatedBy: "u@x", LastModifiedBy: "v@x"},
	}
	s := &Service{}
	for _, o := range objs {
		for _, b := range bodies {
			sameOutput(t, s.policyObject(context.Background(), o, b, nil), refPolicyObject(o, b, nil))
		}
		for _, b := range []tagBody{{}, {RetentionAction: "Keep", RetentionDuration: "2555", RetentionType: "CreationAgeInDays", IsRecordLabel: true, Regulatory: true,
			EventType: "e", FilePlanProperty: "{}", ReviewerEmail: []string{"r@x"}, Notes: "n", Comment: "c", MultiStageReviewProperty: "m", CreatedBy: "u", LastModifiedBy: "v"}} {
			sameOutput(t, tagObject(o, b), refTagObject(o, b))
		}
		if got, want := base(o), refBase(o); !reflect.DeepEqual(got, want) {
			t.Fatalf("base %v, want %v", got, want)
		}
	}
}

// TestPolicyObjectRuleTypes checks the -RetentionRuleTypes path end to
// end against the reference.
func TestPolicyObjectRuleTypes(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	must(t, rs, "New-RetentionCompliancePolicy", A("", "P1"), A("ExchangeLocation", "All"))
	must(t, rs, "New-RetentionComplianceRule", A("", "R1"), A("Policy", "P1"), A("RetentionDuration", int32(30)))
	objs := must(t, rs, "Get-RetentionCompliancePolicy", A("", "P1"), A("-RetentionRuleTypes"))
	o, err := e.st.GetObjectByName(context.Background(), e.tenant, KindPolicy, "P1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := decode[policyBody](o)
	var types []string
	if l, ok := prop(objs[0], "RetentionRuleTypes").(*clixml.Object); ok {
		for _, it := range l.Items {
			s, _ := clixml.AsString(it)
			types = append(types, s)
		}
	}
	if len(types) != 1 {
		t.Fatalf("rule types %v", types)
	}
	sameOutput(t, objs[0].(*clixml.Object), refPolicyObject(o, b, types))
}
