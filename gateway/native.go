package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/goccy/go-yaml"
)

// yamlHeader opens every YAML config busprobe writes.
const yamlHeader = "# busprobe gateway config (native). Schema: `busprobe schema gateway`;\n" +
	"# check edits with `busprobe validate FILE`.\n"

// Normalize fills what a written config always carries: the schema
// version and empty lists instead of nil ones.
func (c *Config) Normalize() {
	if c.SchemaVersion == 0 {
		c.SchemaVersion = SchemaVersion
	}
	if c.Buses == nil {
		c.Buses = []Bus{}
	}
	if c.Devices == nil {
		c.Devices = []Device{}
	}
	for i := range c.Devices {
		d := &c.Devices[i]
		if d.Points == nil {
			d.Points = []Point{}
		}
		if d.Plan == nil {
			d.Plan = []Request{}
		}
		if d.Workarounds.Holes == nil {
			d.Workarounds.Holes = []Hole{}
		}
	}
}

// WriteJSON writes the config as indented JSON.
func WriteJSON(w io.Writer, c Config) error {
	c.Normalize()
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("gateway: encode JSON: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteYAML writes the config as YAML, keys in the model's order.
func WriteYAML(w io.Writer, c Config) error {
	c.Normalize()
	b, err := yaml.MarshalWithOptions(c, yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return fmt.Errorf("gateway: encode YAML: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString(yamlHeader)
	buf.Write(b)
	_, err = w.Write(buf.Bytes())
	return err
}

// Write writes the config in the given format.
func Write(w io.Writer, c Config, f Format) error {
	if f == FormatJSON {
		return WriteJSON(w, c)
	}
	return WriteYAML(w, c)
}
