package probes

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// JournalReportWrites reads the journal's entries for the given devices
// (same target address and unit) as the commissioning report lists them. A
// missing journal (or path "") is no write; a malformed line is an error
// naming file:line, with the entries before it.
func JournalReportWrites(path string, devices []Device) ([]gateway.ReportWrite, error) {
	if path == "" {
		return nil, nil
	}
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	want := map[string]bool{}
	for _, d := range devices {
		want[fmt.Sprintf("%s/%d", endpointOf(d.URL), d.Unit)] = true
	}
	var out []gateway.ReportWrite
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var je JournalEntry
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &je); err != nil {
			return out, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if !want[fmt.Sprintf("%s/%d", endpointOf(je.Target), je.Unit)] {
			continue
		}
		what := je.Point
		if what == "" && je.Address != nil {
			what = fmt.Sprintf("%s %d", je.Table, *je.Address)
		}
		out = append(out, gateway.ReportWrite{Time: je.Time, User: je.User, Target: je.Target, Unit: je.Unit, What: what,
			Input: je.Input, Old: jsonText(je.OldValue, je.OldRaw), New: jsonText(je.NewValue, je.NewRaw),
			ReadBack: jsonText(je.ReadBack, je.ReadBackRaw), Result: je.Result, Err: je.Error})
	}
	return out, sc.Err()
}

// endpointOf returns a URL's scheme and address without its options.
func endpointOf(u string) string {
	t, err := modbus.ParseURL(u)
	if err != nil {
		return u
	}
	return t.Scheme + "://" + t.Address
}

// jsonText formats a journal value, or its raw registers.
func jsonText(v any, raw []int) string {
	if v != nil {
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	if raw != nil {
		return fmt.Sprint(raw)
	}
	return ""
}
