package probes

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// SnapshotSchemaVersion is the version of the snapshot document.
const SnapshotSchemaVersion = 1

// SnapshotKind marks a JSON document as a busprobe snapshot.
const SnapshotKind = "busprobe-snapshot"

// Snapshot is every decoded value of one unit at one time, with the raw
// registers, as `busprobe snapshot` saves it: the before or after proof of
// a commissioning step.
type Snapshot struct {
	SchemaVersion int             `json:"schema_version"`
	Kind          string          `json:"kind"`
	Time          time.Time       `json:"time"`
	Target        string          `json:"target"`         // the target URL
	Line          string          `json:"line,omitempty"` // serial line settings, e.g. "9600 8N1"
	Unit          int             `json:"unit"`
	Profile       string          `json:"profile"`
	Vendor        string          `json:"vendor,omitempty"`
	Model         string          `json:"model,omitempty"`
	Requests      int             `json:"requests"`
	DurationMS    float64         `json:"duration_ms"`
	Notes         []string        `json:"notes,omitempty"`
	Summary       SnapshotSummary `json:"summary"`
	Points        []SnapshotPoint `json:"points"`
}

// SnapshotSummary counts the points read and failed.
type SnapshotSummary struct {
	OK     int `json:"ok"`
	Failed int `json:"failed"`
}

// SnapshotPoint is one point of a snapshot.
type SnapshotPoint struct {
	Name    string `json:"name"`
	Label   string `json:"label,omitempty"`
	Table   string `json:"table"`
	Address int    `json:"address"`
	Type    string `json:"type"`
	Access  string `json:"access"`
	Unit    string `json:"unit,omitempty"`
	// Value is a number, string or bool; null when not implemented or
	// not read.
	Value   any    `json:"value"`
	Display string `json:"display,omitempty"`
	Raw     []int  `json:"raw,omitempty"`   // registers, or bits as 0/1
	Error   string `json:"error,omitempty"` // why the point has no value
}

// TakeSnapshot reads every readable point of p from one unit (through
// ReadPoints) and returns the snapshot. Points that fail are kept with
// their error; the error is nil unless nothing could be planned or ctx
// ended.
func TakeSnapshot(ctx context.Context, c *modbus.Client, target modbus.Target, unit byte, p *profiles.Profile) (Snapshot, error) {
	s := Snapshot{SchemaVersion: SnapshotSchemaVersion, Kind: SnapshotKind, Time: time.Now().UTC(),
		Target: target.String(), Unit: int(unit), Profile: p.ID, Vendor: p.Vendor, Model: p.Model,
		Points: []SnapshotPoint{}}
	if target.Scheme == modbus.SchemeRTU || target.Line.Baud > 0 {
		s.Line = target.Line.String()
	}
	rd, err := ReadPoints(ctx, c, unit, p, nil)
	s.Requests, s.Notes = rd.Requests, rd.Notes
	s.DurationMS = float64(rd.Duration.Microseconds()) / 1000
	for _, r := range rd.Points {
		sp := SnapshotPoint{Name: r.Name, Label: r.Label, Table: r.Point.Table.String(), Address: int(r.Point.Address),
			Type: r.Point.Type.String(), Access: r.Point.Access.String(), Unit: r.Unit}
		if r.Err != nil {
			sp.Error = r.Err.Error()
			s.Summary.Failed++
		} else {
			sp.Value, sp.Display, sp.Raw = JSONValue(r.Point, r.Value), r.Value.Display, rawIntsOf(r.Value.Raw, r.Value.RawBits)
			s.Summary.OK++
		}
		s.Points = append(s.Points, sp)
	}
	return s, err
}

// JSONValue returns a decoded value for JSON: null for values JSON cannot
// hold (NaN, ±Inf) and for values not implemented; an unscaled f32 in its
// shortest float32 form (230.5, not 230.500000000001).
func JSONValue(pt *profiles.Point, v profiles.Value) any {
	a := v.Any()
	f, ok := a.(float64)
	switch {
	case !ok:
		return a
	case math.IsNaN(f) || math.IsInf(f, 0):
		return nil
	case pt.Type == profiles.TypeF32 && pt.Scale == 1 && pt.Offset == 0 && pt.ScaleFactor == "":
		return json.Number(strconv.FormatFloat(f, 'g', -1, 32))
	}
	return f
}

// SnapshotFormatError is a file that is not a busprobe snapshot.
type SnapshotFormatError struct {
	File string
	Msg  string
}

// Error formats as "FILE: not a busprobe snapshot: MSG".
func (e *SnapshotFormatError) Error() string {
	return fmt.Sprintf("%s: not a busprobe snapshot: %s", e.File, e.Msg)
}

// ParseSnapshot reads a snapshot document; name is used in errors.
// Numbers keep their exact text (json.Number).
func ParseSnapshot(name string, data []byte) (Snapshot, error) {
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		return s, &SnapshotFormatError{File: name, Msg: err.Error()}
	}
	switch {
	case s.Kind != SnapshotKind:
		return s, &SnapshotFormatError{File: name, Msg: fmt.Sprintf("kind %q, want %q", s.Kind, SnapshotKind)}
	case s.SchemaVersion < 1 || s.SchemaVersion > SnapshotSchemaVersion:
		return s, &SnapshotFormatError{File: name, Msg: fmt.Sprintf("schema_version %d not supported (this busprobe reads 1..%d)", s.SchemaVersion, SnapshotSchemaVersion)}
	}
	return s, nil
}

// LoadSnapshot reads and parses a snapshot file.
func LoadSnapshot(path string) (Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	return ParseSnapshot(path, data)
}
