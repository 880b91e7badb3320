package profiles

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// schemaDoc is the part of profile.schema.json the test reads.
type schemaDoc struct {
	Schema     string                `json:"$schema"`
	Properties map[string]schemaNode `json:"properties"`
	Defs       map[string]schemaNode `json:"$defs"`
}

// schemaNode is one schema object.
type schemaNode struct {
	Properties map[string]schemaNode `json:"properties"`
	Enum       []any                 `json:"enum"`
}

// keys returns the sorted property names of a schema object.
func keys(m map[string]schemaNode) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sorted returns a sorted copy.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// enumStrings returns the string members of an enum.
func enumStrings(n schemaNode) []string {
	var out []string
	for _, v := range n.Enum {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return sorted(out)
}

// TestSchemaMatchesLoader keeps profile.schema.json in step with the
// loader: the same keys at every level, the same keywords.
func TestSchemaMatchesLoader(t *testing.T) {
	data, err := os.ReadFile("schema/profile.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s schemaDoc
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema %q, want draft 2020-12", s.Schema)
	}
	identify := s.Defs["identify"]
	levels := []struct {
		name   string
		schema map[string]schemaNode
		loader []string
	}{
		{"top", s.Properties, topKeys()},
		{"source", s.Defs["source"].Properties, sourceKeys()},
		{"defaults", s.Defs["defaults"].Properties, defaultsKeys()},
		{"device", s.Defs["device"].Properties, deviceKeys()},
		{"hole", s.Defs["hole"].Properties, holeKeys()},
		{"identify", identify.Properties, identifyKeys()},
		{"fc43", identify.Properties["fc43"].Properties, fc43Keys()},
		{"fingerprint", s.Defs["fingerprint"].Properties, fingerprintKeys()},
		{"point", s.Defs["point"].Properties, pointKeys()},
	}
	for _, l := range levels {
		if got, want := keys(l.schema), sorted(l.loader); !slices.Equal(got, want) {
			t.Errorf("%s keys: schema %v, loader %v", l.name, got, want)
		}
	}
	var tables, orders, stringOrders, access []string
	for _, t := range []Table{TableCoil, TableDiscrete, TableInput, TableHolding} {
		tables = append(tables, t.String())
	}
	for _, o := range ByteOrders() {
		orders = append(orders, o.String())
	}
	for _, o := range []StringOrder{StringPacked, StringSwapped} {
		stringOrders = append(stringOrders, o.String())
	}
	for _, a := range []Access{AccessRead, AccessReadWrite, AccessWrite} {
		access = append(access, a.String())
	}
	enums := []struct {
		name   string
		schema schemaNode
		loader []string
	}{
		{"type", s.Defs["type"], TypeNames()},
		{"table", s.Defs["table"], tables},
		{"byteOrder", s.Defs["byteOrder"], orders},
		{"stringOrder", s.Defs["stringOrder"], stringOrders},
		{"access", s.Defs["point"].Properties["access"], access},
	}
	for _, e := range enums {
		if got, want := enumStrings(e.schema), sorted(e.loader); !slices.Equal(got, want) {
			t.Errorf("%s enum: schema %v, loader %v", e.name, got, want)
		}
	}
}
