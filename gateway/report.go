package gateway

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed report_template.html
var reportHTML string

// Report is the commissioning report: plain data, filled by the caller
// from a scan, a verification and the write journal.
type Report struct {
	Title     string
	Generator string // e.g. "busprobe 0.3.0"
	Generated time.Time
	Scan      ReportScan
	Devices   []ReportDevice
	Verified  bool          // points were read live (--verify)
	Points    []ReportPoint // empty unless Verified
	Notes     []string      // what the verification noticed
	Writes    []ReportWrite
	Journal   string // the journal file read ("" when none)
}

// ReportScan is what the scan covered, and its bus health figures.
type ReportScan struct {
	Kind        string // serial or tcp
	Target      string
	Started     time.Time
	DurationMS  float64
	Probes      int // requests sent
	Interrupted bool
	Notes       []string
}

// ReportDevice is one device the scan found.
type ReportDevice struct {
	URL        string
	Unit       int
	Line       string // line settings, e.g. "9600 8N1" or "Modbus/TCP 10.0.0.5:502"
	Profile    string
	Confidence float64
	Identity   []KV // FC43 objects and FC17 text
	LatencyMS  float64
	Notes      []string
}

// KV is a name and its value.
type KV struct{ Key, Value string }

// ReportPoint is one exported point read at commissioning time.
type ReportPoint struct {
	Device, Point string
	Unit          int
	Status        string // ok, exception, error, out of range, not implemented
	Value         string
	Detail        string
}

// ReportWrite is one entry of the write journal.
type ReportWrite struct {
	Time                  time.Time
	User, Target          string
	Unit                  int
	What                  string // point, or table and address
	Input, Old, New       string
	ReadBack, Result, Err string
}

// Failed counts the points that did not verify ok.
func (r *Report) Failed() int {
	n := 0
	for _, p := range r.Points {
		if p.Status != "ok" {
			n++
		}
	}
	return n
}

// WriteReportHTML writes the report as one self-contained HTML page
// (inline CSS, print styles, every value escaped by html/template).
func WriteReportHTML(w io.Writer, r Report) error {
	t, err := template.New("report").Funcs(reportFuncs()).Parse(reportHTML)
	if err != nil {
		return fmt.Errorf("gateway: report template: %w", err)
	}
	if err := t.Execute(w, &r); err != nil {
		return fmt.Errorf("gateway: report: %w", err)
	}
	return nil
}

func reportFuncs() template.FuncMap {
	return template.FuncMap{
		"ts":   func(t time.Time) string { return fmtTime(t) },
		"ms":   func(f float64) string { return fmt.Sprintf("%.1f ms", f) },
		"pct":  func(f float64) string { return fmt.Sprintf("%.0f %%", f*100) },
		"dash": func(s string) string { return orDefault(s, "–") },
		"slug": func(s string) string { return Slug(s) },
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

// WriteReportMarkdown writes the report as Markdown (GitHub tables).
func WriteReportMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdCell(r.Title))
	fmt.Fprintf(&b, "Generated %s by %s.\n\n", fmtTime(r.Generated), mdCell(r.Generator))
	b.WriteString("## Scan\n\n| | |\n|---|---|\n")
	s := r.Scan
	for _, kv := range []KV{{"Kind", s.Kind}, {"Target", s.Target}, {"Started", fmtTime(s.Started)},
		{"Duration", fmt.Sprintf("%.0f ms", s.DurationMS)}, {"Requests sent", fmt.Sprint(s.Probes)},
		{"Devices found", fmt.Sprint(len(r.Devices))}, {"Interrupted", fmt.Sprint(s.Interrupted)}} {
		fmt.Fprintf(&b, "| %s | %s |\n", kv.Key, mdCell(kv.Value))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(&b, "\n- %s", mdCell(n))
	}
	b.WriteString("\n## Devices\n\n| Unit | Address | Line settings | Profile | Confidence | Latency | Identity | Notes |\n|---|---|---|---|---|---|---|---|\n")
	for _, d := range r.Devices {
		var id []string
		for _, kv := range d.Identity {
			id = append(id, kv.Key+": "+kv.Value)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %.0f %% | %.1f ms | %s | %s |\n", d.Unit, mdCell(d.URL), mdCell(d.Line),
			mdCell(orDefault(d.Profile, "–")), d.Confidence*100, d.LatencyMS, mdCell(strings.Join(id, "; ")), mdCell(strings.Join(d.Notes, "; ")))
	}
	b.WriteString("\n## Verified points\n\n")
	if !r.Verified {
		b.WriteString("Not verified (run `busprobe report --verify` with the devices connected).\n")
	} else {
		fmt.Fprintf(&b, "%d points read, %d failed.\n\n| Device | Unit | Point | Status | Value | Detail |\n|---|---|---|---|---|---|\n", len(r.Points), r.Failed())
		for _, p := range r.Points {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s |\n", mdCell(p.Device), p.Unit, mdCell(p.Point), mdCell(p.Status), mdCell(orDefault(p.Value, "–")), mdCell(orDefault(p.Detail, "–")))
		}
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "\n- %s", mdCell(n))
		}
	}
	b.WriteString("\n## Writes\n\n")
	if len(r.Writes) == 0 {
		fmt.Fprintf(&b, "No write to these devices in the journal%s.\n", mdJournal(r.Journal))
	} else {
		fmt.Fprintf(&b, "From the journal%s.\n\n| Time | User | Unit | What | Input | Old | New | Read back | Result |\n|---|---|---|---|---|---|---|---|---|\n", mdJournal(r.Journal))
		for _, x := range r.Writes {
			res := x.Result
			if x.Err != "" {
				res += ": " + x.Err
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %s |\n", fmtTime(x.Time), mdCell(x.User), x.Unit, mdCell(x.What),
				mdCell(x.Input), mdCell(x.Old), mdCell(x.New), mdCell(x.ReadBack), mdCell(res))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdJournal(path string) string {
	if path == "" {
		return ""
	}
	return " (" + mdCell(path) + ")"
}

// mdCell escapes text for a Markdown table cell.
func mdCell(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "\\`", "*", `\*`, "_", `\_`)
	return r.Replace(s)
}
