package clixml

import (
	"os"
	"testing"
	"time"
)

// compliancePolicy builds an object shaped like the one the compliance
// service writes per Get-RetentionCompliancePolicy result (policyObject
// in internal/compliance): 43 note properties of mixed types, a four-name
// type chain and a ToString.
func compliancePolicy(i int) *Object {
	created := DateTime{time.Date(2024, 3, 1, 10, 20, 30, 123456700, time.UTC).Add(time.Duration(i) * time.Hour), KindUtc}
	name := "Retention policy " + formatInt(int64(i))
	var g GUID
	g[0], g[15] = byte(i), 0x42
	props := []Property{
		{"Name", name},
		{"Workload", "Exchange, SharePoint, OneDriveForBusiness, Skype, ModernGroup"},
		{"Enabled", true},
		{"Mode", "Enforce"},
		{"Comment", "Keep mail for <7> years & delete"},
		{"DistributionStatus", "Success"},
		{"DistributionResults", NewStringList()},
		{"LastStatusUpdateTime", created},
		{"RestrictiveRetention", false},
		{"TeamsPolicy", false},
		{"Applications", NewStringList()},
		{"AdaptiveScopeLocation", NewStringList()},
		{"PolicyRBACScopes", NewStringList()},
		{"Type", "RetentionCompliancePolicy"},
		{"CreatedBy", "admin@contoso.onmicrosoft.com"},
		{"LastModifiedBy", "admin@contoso.onmicrosoft.com"},
	}
	for _, f := range []string{"ExchangeLocation", "ModernGroupLocation", "OneDriveLocation", "SharePointLocation", "SkypeLocation", "TeamsChannelLocation", "TeamsChatLocation"} {
		var list *Object
		switch f {
		case "ExchangeLocation":
			list = NewStringList("All")
		case "SharePointLocation":
			list = NewStringList("https://contoso.sharepoint.com/sites/a", "https://contoso.sharepoint.com/sites/b")
		default:
			list = NewStringList()
		}
		props = append(props, Property{f, list}, Property{f + "Exception", NewStringList()})
	}
	props = append(props,
		Property{"PublicFolderLocation", NewStringList()},
		Property{"RetentionRuleTypes", NewStringList()},
		Property{"HasRules", false},
		Property{"Identity", "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"},
		Property{"Guid", g},
		Property{"DistinguishedName", "CN=" + name + ",CN=RetentionPolicies,OU=contoso.onmicrosoft.com,OU=Microsoft Exchange Hosted Organizations,DC=EURPR05A001,DC=prod,DC=outlook,DC=com"},
		Property{"Id", name},
		Property{"IsValid", true},
		Property{"ObjectState", "Unchanged"},
		Property{"WhenCreated", created},
		Property{"WhenChanged", created},
		Property{"WhenCreatedUTC", created},
		Property{"WhenChangedUTC", nil},
	)
	o := NewTypedObject([]string{"Microsoft.Office.CompliancePolicy.Tasks.PsRetentionCompliancePolicy",
		"Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"}, props...)
	o.ToString = Str(name)
	return o
}

// createPipeline reads a CREATE_PIPELINE body as psrp's encoder writes it
// for `Get-RetentionCompliancePolicy -Identity x -DistributionDetail`.
func createPipeline(tb testing.TB) []byte {
	data, err := os.ReadFile("testdata/create_pipeline.xml")
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestCompliancePolicyRoundTrip(t *testing.T) {
	if n := len(compliancePolicy(1).Extended); n < 40 {
		t.Fatalf("policy has %d properties, want about 40", n)
	}
	roundTrip(t, compliancePolicy(1))
}

// TestCreatePipelineStable checks that the stored CREATE_PIPELINE body
// re-encodes to the same bytes (psrp's encoder and ours agree).
func TestCreatePipelineStable(t *testing.T) {
	data := createPipeline(t)
	v, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(data) {
		t.Fatalf("re-encoding differs:\n%s\n%s", out, data)
	}
}

func benchUnmarshal(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}

func benchMarshal(b *testing.B, v Value) {
	out, err := Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalCreatePipeline(b *testing.B) { benchUnmarshal(b, createPipeline(b)) }

func BenchmarkMarshalCreatePipeline(b *testing.B) {
	v, err := Unmarshal(createPipeline(b))
	if err != nil {
		b.Fatal(err)
	}
	benchMarshal(b, v)
}

func BenchmarkUnmarshalPolicy(b *testing.B) {
	data, err := Marshal(compliancePolicy(1))
	if err != nil {
		b.Fatal(err)
	}
	benchUnmarshal(b, data)
}

func BenchmarkMarshalPolicy(b *testing.B) { benchMarshal(b, compliancePolicy(1)) }

// TestMarshalGolden pins the encoder's output bytes for the benchmark
// values: testdata/policy.xml and testdata/batch3.xml were written by the
// encoder before its allocation work and must not change.
func TestMarshalGolden(t *testing.T) {
	for file, v := range map[string]Value{
		"testdata/policy.xml": compliancePolicy(1),
		"testdata/batch3.xml": retentionBatch(3),
	} {
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("Marshal differs from %s:\n%s", file, got)
		}
		w, err := Unmarshal(want)
		if err != nil || !Equal(v, w) {
			t.Errorf("Unmarshal(%s) = %v, not Equal to the value", file, err)
		}
	}
}
