// Package hsdstest validates documents against Open Referral's official
// HSDS 3.0 JSON schemas (../shared/hsds-3.0/schema), for tests.
package hsdstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/carefinder/carefinder/internal/sharedtest"
)

// The schemas documents are checked against, by the path under
// hsds-3.0/schema.
const (
	Service               = "compiled/service.json"
	ServiceList           = "compiled/service_list.json"
	Organization          = "compiled/organization.json"
	OrganizationList      = "compiled/organization_list.json"
	ServiceAtLocationList = "compiled/service_at_location_list.json"
	Tabular               = "compiled/tabular.json"
	Taxonomy              = "taxonomy.json"
	TaxonomyTerm          = "taxonomy_term.json"
)

// Schemas are the compiled HSDS schemas.
type Schemas struct {
	mu      sync.Mutex
	c       *jsonschema.Compiler
	dir     string
	schemas map[string]*jsonschema.Schema
}

// Load returns the HSDS schemas of the shared directory, skipping or
// failing the test as sharedtest.File explains. Formats (uuid, uri,
// date-time, email) are asserted, not only annotated.
func Load(tb testing.TB) *Schemas {
	tb.Helper()
	dir := filepath.Dir(sharedtest.File(tb, "hsds-3.0/schema/compiled/service.json"))
	root := filepath.Dir(dir)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	// compiled/tabular.json refers to metadata.json beside it, which the
	// specification keeps one level up: offer every object schema under
	// compiled/ too.
	objects, err := filepath.Glob(filepath.Join(root, "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, path := range objects {
		alias := filepath.Join(root, "compiled", filepath.Base(path))
		if _, err := os.Stat(alias); err == nil {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			tb.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		if err := c.AddResource((&url.URL{Scheme: "file", Path: filepath.ToSlash(alias)}).String(), doc); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
	}
	return &Schemas{c: c, dir: root, schemas: map[string]*jsonschema.Schema{}}
}

func (s *Schemas) schema(name string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.schemas[name]; ok {
		return sch, nil
	}
	sch, err := s.c.Compile(filepath.Join(s.dir, name))
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", name, err)
	}
	s.schemas[name] = sch
	return sch, nil
}

// Validate checks the JSON document doc against the schema name.
func (s *Schemas) Validate(name string, doc []byte) error {
	sch, err := s.schema(name)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(v)
}

// ValidateValue checks v, encoded as JSON, against the schema name.
func (s *Schemas) ValidateValue(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.Validate(name, b)
}

// TabularRequired returns the required columns of each table of the
// tabular schema, by table name.
func (s *Schemas) TabularRequired() (map[string][]string, error) {
	raw, err := os.ReadFile(filepath.Join(s.dir, Tabular))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Properties map[string]struct {
			Items struct {
				Required []string `json:"required"`
			} `json:"items"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", Tabular, err)
	}
	out := map[string][]string{}
	for name, p := range doc.Properties {
		out[name] = p.Items.Required
	}
	return out, nil
}
