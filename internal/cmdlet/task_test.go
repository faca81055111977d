package cmdlet

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/psrp"
)

func TestNotFoundRecord(t *testing.T) {
	err := error(NotFound("pol1", "SRV01"))
	if !errors.Is(err, ErrTask) {
		t.Fatal("not ErrTask")
	}
	var te *TaskError
	errors.As(err, &te)
	rec := te.Record("Get-RetentionCompliancePolicy", "SRV01")
	if rec.Message != "The operation couldn't be performed because object 'pol1' couldn't be found on 'SRV01'." {
		t.Errorf("message %q", rec.Message)
	}
	if rec.Category != psrp.CategoryObjectNotFound || !strings.HasPrefix(rec.FullyQualifiedErrorID, "[Server=SRV01] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] ") ||
		!strings.HasSuffix(rec.FullyQualifiedErrorID, ",Get-RetentionCompliancePolicy") {
		t.Errorf("record %+v", rec)
	}
}
