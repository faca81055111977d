package storagetest

import (
	"context"
	"testing"

	"github.com/ipps/ipps/internal/storage"
)

func TestNew(t *testing.T) {
	for name, s := range map[string]func(testing.TB) storage.Storage{"sqlite": New, "postgres": NewPostgres} {
		t.Run(name, func(t *testing.T) {
			st := s(t)
			if err := st.CreateTenant(context.Background(), storage.Tenant{ID: "t", Name: "contoso"}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
