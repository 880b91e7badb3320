package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/busprobe/busprobe/probes"
)

// sampleJSON is one line of `busprobe watch --ndjson`: a poll (type
// "sample") or a gap (type "gap").
type sampleJSON struct {
	Type          string            `json:"type"`
	SchemaVersion int               `json:"schema_version"`
	Seq           int64             `json:"seq"`
	Time          time.Time         `json:"time"`
	DurationMS    float64           `json:"duration_ms,omitempty"`
	Unit          int               `json:"unit"`
	OK            int               `json:"ok"`
	Requests      int               `json:"requests"`
	Values        map[string]any    `json:"values,omitempty"` // fresh values, and stale ones (listed in stale)
	Stale         []string          `json:"stale,omitempty"`  // points whose value is from an earlier poll
	Errors        map[string]string `json:"errors,omitempty"` // why a point has no fresh value
	Gap           *gapJSON          `json:"gap,omitempty"`
	Notes         []string          `json:"notes,omitempty"` // what the poller learned in this poll
	Stats         probes.Stats      `json:"stats"`
	Line          probes.BusStatus  `json:"line"`
}

// gapJSON is the gap of a "gap" record.
type gapJSON struct {
	FirstSeq int64     `json:"first_seq"`
	LastSeq  int64     `json:"last_seq"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Missed   int64     `json:"missed"` // slots not polled
	Failed   int64     `json:"failed"` // slots polled without reading any point
	Reason   string    `json:"reason"`
}

// summaryRecord is the last line of `busprobe watch --ndjson`.
type summaryRecord struct {
	Type          string         `json:"type"`
	SchemaVersion int            `json:"schema_version"`
	URL           string         `json:"url"`
	Unit          int            `json:"unit"`
	Profile       string         `json:"profile"`
	Polls         int64          `json:"polls"`
	Incomplete    int64          `json:"incomplete"`
	Gaps          int64          `json:"gaps"`
	Missed        int64          `json:"missed"`
	ElapsedS      float64        `json:"elapsed_s"`
	Stats         probes.Stats   `json:"stats"`
	Learned       probes.Learned `json:"learned"`
}

// sampleRecord converts a sample to its NDJSON form.
func sampleRecord(s probes.Sample) sampleJSON {
	r := sampleJSON{Type: "sample", SchemaVersion: schemaVersion, Seq: s.Seq, Time: s.Time, Unit: int(s.Unit),
		OK: s.OK, Requests: s.Requests, Notes: s.Notes, Stats: s.Stats, Line: s.Line,
		DurationMS: float64(s.Duration.Microseconds()) / 1000}
	if s.IsGap() {
		g := s.Gap
		r.Type = "gap"
		r.Gap = &gapJSON{FirstSeq: g.FirstSeq, LastSeq: g.LastSeq, From: g.From, To: g.To, Missed: g.Missed,
			Failed: g.Failed, Reason: g.Reason}
		return r
	}
	r.Values = make(map[string]any, len(s.Points))
	for _, p := range s.Points {
		if p.Err != nil {
			if r.Errors == nil {
				r.Errors = map[string]string{}
			}
			r.Errors[p.Name] = p.Err.Error()
		}
		switch {
		case p.Err == nil:
			r.Values[p.Name] = probes.JSONValue(p.Point, p.Value)
		case p.Stale:
			r.Values[p.Name] = probes.JSONValue(p.Point, p.Value)
			r.Stale = append(r.Stale, p.Name)
		default:
			r.Values[p.Name] = nil
		}
	}
	return r
}

// csvHeader returns the CSV columns: time, seq, status, the points, error.
func csvHeader(wt watchTarget) []string {
	pts, _ := wt.profile.Select(wt.names)
	n := len(pts)
	if len(wt.names) > 0 { // Select appends the scale factors not asked for
		n = min(len(uniq(wt.names)), n)
	}
	h := []string{"time", "seq", "status"}
	for _, p := range pts[:n] {
		h = append(h, p.Name)
	}
	return append(h, "error")
}

func uniq(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// csvSink writes one row per poll to a file, flushed every row so a
// crash loses at most the row being written and memory stays flat.
type csvSink struct {
	f    *os.File
	w    *csv.Writer
	cols int
}

// CSVExistsError is a --csv file that exists when neither --force nor
// --append was given.
type CSVExistsError struct{ Path string }

func (e *CSVExistsError) Error() string {
	return fmt.Sprintf("--csv %s: the file exists; --append adds rows to it, --force overwrites it", e.Path)
}

// openCSVSink opens path for the log: a new file, or with force a
// truncated one, or with appendTo an existing one whose header matches.
func openCSVSink(path string, force, appendTo bool, header []string) (*csvSink, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	switch {
	case force:
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	case appendTo:
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		if err := checkCSVHeader(path, header); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, &usageError{msg: (&CSVExistsError{Path: path}).Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("--csv: %w", err)
	}
	s := &csvSink{f: f, w: csv.NewWriter(f), cols: len(header)}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		if err := s.row(header); err != nil {
			f.Close()
			return nil, err
		}
	}
	return s, nil
}

// checkCSVHeader refuses to append to a file with other columns.
func checkCSVHeader(path string, header []string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--csv: %w", err)
	}
	defer f.Close()
	got, err := csv.NewReader(bufio.NewReader(io.LimitReader(f, 1<<20))).Read()
	if errors.Is(err, io.EOF) {
		return nil // empty file: the header is written
	}
	if err != nil || !slices.Equal(got, header) {
		return usagef("--csv %s --append: the file's columns are not this watch's (%v)", path, header)
	}
	return nil
}

// write adds the row of a poll or gap.
func (s *csvSink) write(smp probes.Sample) error {
	rec := make([]string, s.cols)
	rec[0], rec[1] = smp.Time.UTC().Format(time.RFC3339Nano), fmt.Sprint(smp.Seq)
	if smp.IsGap() {
		rec[1], rec[2], rec[s.cols-1] = fmt.Sprint(smp.Gap.FirstSeq), "gap", smp.Gap.String()
		return s.row(rec)
	}
	rec[2] = "ok"
	switch {
	case smp.OK == 0:
		rec[2] = "failed"
	case smp.OK < len(smp.Points):
		rec[2] = "partial"
	}
	for i, p := range smp.Points {
		if 3+i >= s.cols-1 {
			break
		}
		if p.Err == nil {
			if v := probes.JSONValue(p.Point, p.Value); v != nil {
				rec[3+i] = fmt.Sprint(v)
			}
		} else if rec[s.cols-1] == "" {
			rec[s.cols-1] = p.Name + ": " + p.Err.Error()
		}
	}
	return s.row(rec)
}

// row writes and flushes one record.
func (s *csvSink) row(rec []string) error {
	if err := s.w.Write(rec); err != nil {
		return fmt.Errorf("--csv: %w", err)
	}
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return fmt.Errorf("--csv: %w", err)
	}
	return nil
}

func (s *csvSink) close() { _ = s.f.Close() }
