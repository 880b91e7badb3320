package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/probes"
)

// TestReport renders the commissioning report of the demo plant's SDM630
// with live values and the journal's writes, as HTML and as Markdown.
func TestReport(t *testing.T) {
	url := exportPlant(t)
	dir := t.TempDir()
	scan := writeScanFile(t, dir, probes.Device{URL: url, Unit: 1, Profile: "eastron-sdm630", Confidence: 0.9,
		LatencyMS: 1.5, Identity: &probes.Identity{Objects: map[string]string{"VendorName": "Eastron <b>"}}})
	journal := filepath.Join(dir, "journal.ndjson")
	addr := 10
	var lines []byte
	for _, je := range []probes.JournalEntry{
		{Time: time.Date(2025, 1, 1, 11, 0, 0, 0, time.UTC), User: "<script>alert(1)</script>", Target: url, Unit: 1,
			Point: "demand_period", Input: "15", OldValue: 60.0, NewValue: 15.0, ReadBack: 15.0, Result: "written"},
		{Time: time.Now(), User: "bob", Target: url, Unit: 9, Table: "holding", Address: &addr, Result: "written"}, // another unit
	} {
		b, _ := json.Marshal(je)
		lines = append(append(lines, b...), '\n')
	}
	if err := os.WriteFile(journal, lines, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		file string
		args []string
		want []string
		not  []string
	}{
		{"report.html", nil, []string{"<!DOCTYPE html>", "@media print", "Commissioning report", "eastron-sdm630",
			"Eastron &lt;b&gt;", "54 points read", `<td class="ok">ok</td>`, "voltage_l1", " V</td>", "demand_period",
			"&lt;script&gt;alert(1)&lt;/script&gt;", "written", "1.5 ms"}, []string{"<script>", "bob"}},
		{"report.md", nil, []string{"# Commissioning report", "## Verified points", "| eastron\\_sdm630\\_u1 | 1 | voltage\\_l1 | ok |", "demand\\_period"}, []string{"bob"}},
		{"report.txt", []string{"--format", "md"}, []string{"## Writes"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			out := filepath.Join(dir, tc.file)
			args := append([]string{"report", "--scan", scan, "--verify", "--journal", journal, "-o", out}, tc.args...)
			code, _, stderr := runCLI(t, ctx, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s lacks %q", tc.file, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(string(b), w) {
					t.Errorf("%s holds %q", tc.file, w)
				}
			}
			if strings.HasSuffix(tc.file, ".html") {
				checkBalanced(t, string(b))
			}
			if code, _, stderr := runCLI(t, ctx, args...); code != exitError || !strings.Contains(stderr, "refusing") {
				t.Errorf("overwrite without --force: exit %d: %s", code, stderr)
			}
		})
	}
	if code, _, _ := runCLI(t, ctx, "report", "--scan", scan, "-o", filepath.Join(dir, "x"), "--format", "pdf"); code != exitUsage {
		t.Errorf("--format pdf: exit %d", code)
	}
}

// checkBalanced checks that the HTML's container elements open and close
// in order (a sanity check; x/net/html is not a dependency).
func checkBalanced(t *testing.T, doc string) {
	t.Helper()
	var stack []string
	containers := map[string]bool{"html": true, "head": true, "body": true, "table": true, "thead": true, "tbody": true,
		"tr": true, "td": true, "th": true, "ul": true, "li": true, "p": true, "h1": true, "h2": true, "style": true, "title": true, "span": true, "code": true}
	for rest := doc; ; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		j := strings.IndexAny(rest, " >")
		if j < 0 {
			break
		}
		name, closing := rest[:j], false
		if strings.HasPrefix(name, "/") {
			name, closing = name[1:], true
		}
		if !containers[name] {
			continue
		}
		if !closing {
			stack = append(stack, name)
			continue
		}
		if len(stack) == 0 || stack[len(stack)-1] != name {
			t.Fatalf("</%s> closes %v", name, stack)
		}
		stack = stack[:len(stack)-1]
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed %v", stack)
	}
}
