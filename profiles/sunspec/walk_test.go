package sunspec

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// inverterImage is a device at base: common model 1, inverter 103 with
// events, an unknown model 64000 (L 4) and the end marker.
func inverterImage(t *testing.T, base uint16) *image {
	t.Helper()
	b := Builtin()
	common, _ := b.Get(1)
	inv, _ := b.Get(103)
	sf := func(n int) []uint16 { return r1(n) }
	return newImage(base).
		model(1, encode(t, common, map[string][]uint16{
			"Mn": str("Fronius", 16), "Md": str("Symo 10.0-3-M", 16), "Vr": str("3.14.1", 8),
			"SN": str("12345678", 16), "DA": r1(1), "Opt": str("", 8),
		})...).
		model(103, encode(t, inv, map[string][]uint16{
			"A": r1(4350), "AphA": r1(1450), "AphB": r1(1452), "AphC": r1(1448), "A_SF": sf(-2),
			"PhVphA": r1(2301), "PhVphB": r1(2305), "PhVphC": r1(2298), "V_SF": sf(-1),
			"W": r1(-125), "W_SF": sf(1), "Hz": r1(5001), "Hz_SF": sf(-2),
			"WH": u32(12345678), "WH_SF": sf(0), "St": r1(7), "Evt1": u32(1<<7 | 1<<0 | 1<<20),
			"TmpCab": r1(412), "Tmp_SF": sf(-1), "Evt2": u32(0),
		})...).
		model(64000, 1, 2, 3, 4).
		end()
}

func TestDiscover(t *testing.T) {
	ctx := context.Background()
	dev, err := Discover(ctx, inverterImage(t, 40000).reader(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if dev.Base != 40000 || len(dev.Models) != 3 || len(dev.Notes) != 0 {
		t.Fatalf("base %d, %d models, notes %q", dev.Base, len(dev.Models), dev.Notes)
	}
	if got := dev.Unknown(); !slices.Equal(got, []int{64000}) {
		t.Errorf("unknown %v", got)
	}
	u := dev.Models[2]
	if u.Address != 40122 || u.Length != 4 || u.Known || len(u.Points) != 0 {
		t.Errorf("unknown model %+v", u)
	}
	inv, _ := dev.Model(103)
	if inv.Address != 40070 || inv.Length != 50 || !inv.Known || inv.Name != "inverter_three_phase" {
		t.Errorf("model 103 %+v", inv)
	}
	tests := []struct {
		model   int
		point   string
		display string
		impl    bool
		addr    uint16
	}{
		{1, "Mn", "Fronius", true, 40004},
		{1, "Md", "Symo 10.0-3-M", true, 40020},
		{1, "SN", "12345678", true, 40052},
		{1, "DA", "1", true, 40068},
		{103, "ID", "103", true, 40070},
		{103, "A", "43.50 A", true, 40072},
		{103, "AphB", "14.52 A", true, 40074},
		{103, "A_SF", "-2", true, 40076},
		{103, "PhVphC", "229.8 V", true, 40082},
		{103, "PPVphAB", "n/a", false, 40077},
		{103, "W", "-1250 W", true, 40084},
		{103, "Hz", "50.01 Hz", true, 40086},
		{103, "VA", "n/a", false, 40088},
		{103, "WH", "12345678 Wh", true, 40094},
		{103, "TmpCab", "41.2 C", true, 40103},
		{103, "TmpSnk", "n/a", false, 40104},
		{103, "St", "FAULT", true, 40108},
		{103, "StVnd", "n/a", false, 40109},
		{103, "Evt1", "GROUND_FAULT|OVER_TEMP|bit20", true, 40110},
		{103, "Evt2", "-", true, 40112},
		{103, "EvtVnd1", "n/a", false, 40114},
	}
	for _, tt := range tests {
		m, _ := dev.Model(tt.model)
		p, ok := m.Point(tt.point)
		if !ok {
			t.Errorf("model %d: no point %s", tt.model, tt.point)
			continue
		}
		if p.Value.Display != tt.display || p.Value.Implemented != tt.impl || p.Address != tt.addr {
			t.Errorf("%d.%s = %q implemented %v at %d, want %q %v at %d (note %q)", tt.model, tt.point,
				p.Value.Display, p.Value.Implemented, p.Address, tt.display, tt.impl, tt.addr, p.Note)
		}
	}
	if p, _ := inv.Point("W"); p.Value.Number != -1250 || p.Unit != "W" {
		t.Errorf("W = %v %s", p.Value.Number, p.Unit)
	}
	if _, ok := dev.Models[0].Point("Pad"); ok {
		t.Error("Pad reported")
	}
}

func TestDiscoverBases(t *testing.T) {
	exc := func(c modbus.ExceptionCode) error {
		return &modbus.ExceptionError{Function: modbus.FuncReadHoldingRegisters, Code: c}
	}
	tests := []struct {
		name    string
		base    uint16
		fail    map[uint16]error
		extra   map[uint16]uint16 // registers besides the image
		want    uint16
		wantErr string
		reads   int // requests to find the base, 0: not checked
	}{
		{name: "40000", base: 40000, want: 40000, reads: 1},
		{name: "50000", base: 50000, want: 50000, reads: 2},
		{name: "0", base: 0, want: 0, reads: 3},
		{name: "other data at 40000", base: 50000, extra: map[uint16]uint16{40000: 1, 40001: 2}, want: 50000},
		{name: "exception 04 at 40000", base: 0, fail: map[uint16]error{40000: exc(modbus.ExServerDeviceFailure)}, want: 0},
		{name: "timeout ends the search", base: 0, fail: map[uint16]error{40000: &modbus.TimeoutError{Unit: 1, Timeout: time.Second}},
			wantErr: "read SunSpec marker (2 registers at 40000): unit 1 did not answer"},
		{name: "exception 01 ends the search", base: 0, fail: map[uint16]error{50000: exc(modbus.ExIllegalFunction)},
			wantErr: "at 50000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inverterImage(t, tt.base).reader()
			for a, e := range tt.fail {
				r.fail[a] = e
			}
			for a, v := range tt.extra {
				r.regs[a] = v
			}
			w := &Walker{}
			base, err := w.FindBase(context.Background(), r, 1)
			if tt.wantErr != "" {
				var re *ReadError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &re) {
					t.Fatalf("error %v, want a *ReadError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || base != tt.want {
				t.Fatalf("base %d, %v; want %d", base, err, tt.want)
			}
			if tt.reads > 0 && len(r.reads) != tt.reads {
				t.Errorf("reads %v", r.reads)
			}
			dev, err := w.Discover(context.Background(), r, 1)
			if err != nil || dev.Base != tt.want || len(dev.Models) != 3 {
				t.Fatalf("Discover: %+v, %v", dev, err)
			}
			if m, _ := dev.Model(103); m.Address != tt.want+70 {
				t.Errorf("model 103 at %d", m.Address)
			}
		})
	}
}

func TestDiscoverNotFound(t *testing.T) {
	r := &fakeReader{regs: map[uint16]uint16{0: 0x1234, 1: 0x5678}}
	_, err := Discover(context.Background(), r, 3)
	var nf *NotFoundError
	if !errors.As(err, &nf) || len(nf.Errs) != 3 || nf.Unit != 3 {
		t.Fatalf("error %v (%T), want a *NotFoundError for 3 bases", err, err)
	}
	want := `unit 3: no SunSpec marker "SunS" at 40000, 50000 or 0`
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "found 1234 5678") {
		t.Errorf("error %q", err)
	}
}

func TestDiscoverChain(t *testing.T) {
	b := Builtin()
	common, _ := b.Get(1)
	c := encode(t, common, map[string][]uint16{"Mn": str("x", 16)})
	tests := []struct {
		name    string
		img     *image
		walker  Walker
		models  int
		note    string
		wantErr string
	}{
		{name: "no end marker", img: newImage(40000).model(1, c...), models: 1, note: "no end marker"},
		{name: "0/0 end", img: newImage(40000).model(1, c...).model(0), models: 1, note: "ID 0, L 0"},
		{name: "common L 65", img: newImage(40000).model(1, c[:65]...).end(), models: 1},
		{name: "common L 60", img: newImage(40000).model(1, c[:60]...).end(), models: 1, note: "ends before point SN"},
		{name: "longer than defined", img: newImage(40000).model(1, append(c, 7, 7)...).end(), models: 1, note: "2 registers after"},
		{name: "first not common", img: newImage(40000).model(64000).end(), models: 1, note: "first model is 64000"},
		{name: "small reads", img: newImage(40000).model(1, c...).end(), walker: Walker{MaxRead: 7}, models: 1},
		{name: "too many models", img: newImage(40000).model(64000).model(64000).model(64000).end(),
			walker: Walker{MaxModels: 2}, wantErr: "more than 2 models"},
		{name: "past 65535", img: newImage(65500).model(64000, make([]uint16, 40)...).end(), wantErr: "runs past address 65535",
			walker: Walker{Bases: []uint16{65500}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.img.reader()
			dev, err := tt.walker.Discover(context.Background(), r, 1)
			if tt.wantErr != "" {
				var ce *ChainError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want a *ChainError with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(dev.Models) != tt.models {
				t.Fatalf("%d models, %v", len(dev.Models), err)
			}
			notes := strings.Join(append(dev.Notes, dev.Models[0].Notes...), "; ")
			if (tt.note == "") != (notes == "") || !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q, want %q", notes, tt.note)
			}
			for _, rd := range r.reads {
				_, n, _ := strings.Cut(rd, "+")
				if limit := tt.walker.MaxRead; limit > 0 && len(n) > 0 && atoi(n) > limit {
					t.Errorf("read %s with MaxRead %d", rd, limit)
				}
			}
		})
	}
}

// TestScaleFactorNotes checks values whose scale factor is not implemented.
func TestScaleFactorNotes(t *testing.T) {
	inv, _ := Builtin().Get(103)
	regs := append([]uint16{103, 50}, encode(t, inv, map[string][]uint16{"W": r1(1234), "Hz": r1(50)})...)
	pts, _ := DecodeModel(inv, 40070, regs)
	m := &Model{Points: pts}
	w, _ := m.Point("W")
	if w.Value.Number != 1234 || !strings.Contains(w.Note, "W_SF not implemented") {
		t.Errorf("W %v note %q", w.Value.Number, w.Note)
	}
	if va, _ := m.Point("VA"); va.Note != "" || va.Value.Implemented || !math.IsNaN(va.Value.Number) {
		t.Errorf("VA %+v", va)
	}
}

// atoi parses a decimal count of the fake reader's log.
func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
