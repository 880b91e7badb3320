package probes

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/busprobe/busprobe/profiles"
)

func TestDefaultJournalPath(t *testing.T) {
	home := func() (string, error) { return "/home/tech", nil }
	noHome := func() (string, error) { return "", errors.New("no home") }
	tests := []struct {
		name string
		env  map[string]string
		home func() (string, error)
		want string
		err  bool
	}{
		{"env wins", map[string]string{EnvJournal: "/tmp/j.ndjson", "XDG_STATE_HOME": "/s"}, home, "/tmp/j.ndjson", false},
		{"XDG state", map[string]string{"XDG_STATE_HOME": "/s"}, home, "/s/busprobe/journal.ndjson", false},
		{"relative XDG ignored", map[string]string{"XDG_STATE_HOME": "rel"}, home, "/home/tech/.local/state/busprobe/journal.ndjson", false},
		{"home", nil, home, "/home/tech/.local/state/busprobe/journal.ndjson", false},
		{"no home", nil, noHome, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DefaultJournalPath(func(k string) string { return tc.env[k] }, tc.home)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("got %q, %v; want %q (error %v)", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestJournalAppendsWholeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "busprobe", "journal.ndjson")
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() { // one Journal per goroutine, as separate processes would
			defer wg.Done()
			j, err := OpenJournal(path)
			if err != nil {
				t.Error(err)
				return
			}
			defer j.Close()
			for i := range each {
				if err := j.Append(JournalEntry{Target: "tcp://127.0.0.1:502", Unit: w, Point: "p", Result: "ok", Address: intPtr(i)}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e JournalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not one JSON entry: %v\n%s", n+1, err, sc.Text())
		}
		if e.User == "" || e.Time.IsZero() {
			t.Errorf("line %d lacks user or time: %s", n+1, sc.Text())
		}
		n++
	}
	if n != writers*each {
		t.Errorf("%d lines, want %d", n, writers*each)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
}

func TestNewJournalEntry(t *testing.T) {
	p := valve(t)
	spec := WriteSpec{Unit: 4, Profile: p, Point: "status", Value: "3"}
	_, err := CheckWrite(spec)
	e := NewJournalEntry("tcp://x:502", spec, nil, nil, "", err)
	if e.Result != string(WriteRefused) || e.Point != "status" || e.Table != "holding" || e.Address == nil || *e.Address != 6 || e.Error == "" {
		t.Errorf("refusal entry %+v", e)
	}
	old := profiles.Value{Kind: profiles.KindNumber, Number: 50, Implemented: true, Display: "50.0 %"}
	pt, _ := p.Point("setpoint")
	pw := &PlannedWrite{Spec: spec, Point: pt, Function: 6, OldRegs: []uint16{500}, Old: &old, NewRegs: []uint16{425}}
	res := &WriteResult{Plan: *pw, Status: WriteOK, ReadRegs: []uint16{425}}
	e = NewJournalEntry("tcp://x:502", spec, pw, res, "", nil)
	if e.Result != "ok" || e.Function != 6 || e.OldValue != 50.0 || e.OldRaw[0] != 500 || e.NewRaw[0] != 425 || e.ReadBackRaw[0] != 425 {
		t.Errorf("write entry %+v", e)
	}
}
