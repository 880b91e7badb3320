package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// profileReadResult is the JSON document `busprobe read --profile --json`
// prints.
type profileReadResult struct {
	SchemaVersion int             `json:"schema_version"`
	URL           string          `json:"url"`
	Unit          int             `json:"unit"`
	Profile       string          `json:"profile"`
	Points        []pointReadJSON `json:"points"`
	Requests      int             `json:"requests"`
	Failed        int             `json:"failed_requests"`
	DurationMS    float64         `json:"duration_ms"`
	Notes         []string        `json:"notes,omitempty"`
	Summary       readSummaryJSON `json:"summary"`
}

// readSummaryJSON counts the points read and failed.
type readSummaryJSON struct {
	OK     int `json:"ok"`
	Failed int `json:"failed"`
}

// pointReadJSON is one point of profileReadResult.
type pointReadJSON struct {
	Name    string `json:"name"`
	Label   string `json:"label,omitempty"`
	Value   any    `json:"value"` // number, string or bool; null when not implemented or failed
	Unit    string `json:"unit,omitempty"`
	Display string `json:"display,omitempty"` // e.g. "230.5 V"
	Raw     []int  `json:"raw,omitempty"`     // registers as read, or bits as 0/1
	Error   string `json:"error,omitempty"`   // why the point has no value
}

// runProfileRead is `busprobe read URL --profile ID`: it reads the
// profile's points through the planner and prints decoded values. The
// exit code is 0 when every point was read, 4 when some failed, 1 when
// none could be read.
func runProfileRead(ctx context.Context, e *env, rawURL string, f readFlags) error {
	unit, err := f.conn.unitID()
	if err != nil {
		return err
	}
	p, err := f.profiles.profile(e, f.profile)
	if err != nil {
		return err
	}
	if _, err := p.Select(f.points); err != nil {
		return usagef("--points: %v", err)
	}
	s, err := f.conn.open(ctx, e, rawURL)
	if err != nil {
		return err
	}
	defer s.close()
	rd, err := probes.ReadPoints(ctx, s.client, unit, p, f.points)
	if err != nil {
		return s.explain(unit, err)
	}
	for _, n := range rd.Notes {
		fmt.Fprintln(e.stderr, "busprobe: note: "+n)
	}
	if f.asJSON {
		err = writeJSON(e.stdout, toProfileReadJSON(s.target.String(), rd))
	} else {
		fmt.Fprintf(e.stderr, "%s (%s %s), unit %d at %s: %d of %d points in %d request(s), %s\n",
			p.ID, p.Vendor, p.Model, unit, s.target, rd.OK(), len(rd.Points), rd.Requests, modbus.Millis(rd.Duration))
		err = writePointValues(e.stdout, rd)
	}
	if err != nil {
		return err
	}
	return readOutcome(s, unit, rd)
}

// readOutcome turns a reading into the exit code: partial (4) when some
// points failed, error (1) when none was read.
func readOutcome(s *session, unit byte, rd probes.Reading) error {
	ok, n := rd.OK(), len(rd.Points)
	if ok == n {
		return nil
	}
	var first error
	for _, r := range rd.Points {
		if r.Err != nil {
			first = r.Err
			break
		}
	}
	if ok == 0 {
		return &codedError{code: exitError, err: s.explain(unit, first)}
	}
	return &codedError{code: exitPartial, err: fmt.Errorf("%d of %d points failed; first: %w", n-ok, n, s.explain(unit, first))}
}

func toProfileReadJSON(url string, rd probes.Reading) profileReadResult {
	out := profileReadResult{SchemaVersion: schemaVersion, URL: url, Unit: int(rd.Unit), Profile: rd.Profile,
		Points: []pointReadJSON{}, Requests: rd.Requests, Failed: rd.Failed,
		DurationMS: float64(rd.Duration.Microseconds()) / 1000, Notes: rd.Notes}
	for _, r := range rd.Points {
		pj := pointReadJSON{Name: r.Name, Label: r.Label, Unit: r.Unit}
		if r.Err != nil {
			pj.Error = r.Err.Error()
			out.Summary.Failed++
		} else {
			pj.Value, pj.Display, pj.Raw = probes.JSONValue(r.Point, r.Value), r.Value.Display, rawInts(r.Value)
			out.Summary.OK++
		}
		out.Points = append(out.Points, pj)
	}
	return out
}

// rawInts returns the registers, or bits as 0/1.
func rawInts(v profiles.Value) []int {
	out := make([]int, 0, len(v.Raw)+len(v.RawBits))
	for _, r := range v.Raw {
		out = append(out, int(r))
	}
	for _, b := range v.RawBits {
		out = append(out, boolInt(b))
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rawHex formats raw registers as hex words, bits as 0/1.
func rawHex(v profiles.Value) string {
	var parts []string
	for _, r := range v.Raw {
		parts = append(parts, fmt.Sprintf("%04X", r))
	}
	for _, b := range v.RawBits {
		parts = append(parts, strconv.Itoa(boolInt(b)))
	}
	return strings.Join(parts, " ")
}

// writePointValues prints one line per point: name, value with unit, raw.
func writePointValues(w io.Writer, rd probes.Reading) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVALUE\tRAW")
	for _, r := range rd.Points {
		if r.Err != nil {
			fmt.Fprintf(tw, "%s\terror: %s\t-\n", r.Name, r.Err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, r.Value.Display, rawHex(r.Value))
	}
	return tw.Flush()
}
