package modbus

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// heard is bytes a sniffer read at an offset from a base time; silence
// marks a t3.5 silence reported after them.
type heard struct {
	at      time.Duration
	b       []byte
	silence bool
}

func TestSplitter(t *testing.T) {
	req1 := rtu(1, FuncReadHoldingRegisters, 0, 0, 0, 2)
	rep1 := rtu(1, FuncReadHoldingRegisters, 4, 0, 1, 0, 2)
	req9 := rtu(9, FuncReadHoldingRegisters, 0, 0, 0, 1)
	exc1 := rtu(1, 0x83, 2)
	bad := append(append([]byte(nil), rep1[:len(rep1)-2]...), 0xAA, 0xBB)
	echoReq := rtu(2, FuncDiagnostics, 0, 0, 1, 2, 3)
	write6 := rtu(2, FuncWriteSingleRegister, 0, 1, 0, 5)
	cat := func(fs ...[]byte) []byte { return slices.Concat(fs...) }
	tests := []struct {
		name   string
		chunks []heard
		want   []string // "TX n" / "RX n" per frame
	}{
		{"separated by silence", []heard{{0, req1, true}, {20 * time.Millisecond, rep1, true}}, []string{"TX 8", "RX 9"}},
		{"back to back in one read", []heard{{0, cat(req1, rep1), false}}, []string{"TX 8", "RX 9"}},
		{"split reads", []heard{{0, req1[:3], false}, {time.Millisecond, cat(req1[3:], rep1[:2]), false}, {2 * time.Millisecond, rep1[2:], false}},
			[]string{"TX 8", "RX 9"}},
		{"unanswered then next request", []heard{{0, cat(req9, req1, rep1), false}}, []string{"TX 8", "TX 8", "RX 9"}},
		{"exception back to back", []heard{{0, cat(req1, exc1), false}}, []string{"TX 8", "RX 5"}},
		{"CRC error cut by silence", []heard{{0, req1, false}, {10 * time.Millisecond, bad, true}, {30 * time.Millisecond, req9, true}},
			[]string{"TX 8", "RX 9", "TX 8"}},
		{"function 8 echo of unknown length", []heard{{0, echoReq, true}, {10 * time.Millisecond, echoReq, true}}, []string{"TX 9", "RX 9"}},
		{"write echo is the reply", []heard{{0, cat(write6, write6), false}}, []string{"TX 8", "RX 8"}},
		{"garbage then silence", []heard{{0, []byte{0xFF, 0x00, 0x13}, true}}, []string{"TX 3"}},
		{"broadcast expects no reply", []heard{{0, cat(rtu(0, FuncWriteSingleRegister, 0, 1, 0, 5), req1), false}}, []string{"TX 8", "TX 8"}},
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSplitter(LineSettings{Baud: 9600, DataBits: 8, Parity: "N", StopBits: 1})
			var got []TapFrame
			for _, c := range tc.chunks {
				got = append(got, s.Feed(c.b, base.Add(c.at))...)
				if c.silence {
					got = append(got, s.Silence()...)
				}
			}
			var desc []string
			for i, f := range got {
				desc = append(desc, f.Dir.String()+" "+strconv.Itoa(len(f.Bytes)))
				if f.Start.After(f.End) || i > 0 && f.Start.Before(got[i-1].End) {
					t.Errorf("frame %d times out of order: %v..%v after %v", i, f.Start, f.End, got[i-1].End)
				}
			}
			if !slices.Equal(desc, tc.want) {
				t.Errorf("frames %v, want %v", desc, tc.want)
			}
			if s.Pending() {
				t.Errorf("bytes left pending")
			}
		})
	}
}

func TestTrafficRTU(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return base.Add(time.Duration(n) * time.Millisecond) }
	fr := func(dir Direction, b []byte, start, end int, note string) TapFrame {
		return TapFrame{Dir: dir, Bytes: b, Start: ms(start), End: ms(end), Note: note}
	}
	req1 := rtu(1, FuncReadHoldingRegisters, 0, 0, 0, 2)
	rep1 := rtu(1, FuncReadHoldingRegisters, 4, 0, 1, 0, 2)
	req9 := rtu(9, FuncReadInputRegisters, 0, 0, 0, 1)
	bad := append(append([]byte(nil), rep1[:len(rep1)-2]...), 0xAA, 0xBB)
	frames := []TapFrame{
		fr(TX, req1, 0, 8, ""),
		fr(RX, req1, 8, 8, "echo"),
		fr(RX, rep1, 12, 21, ""),                  // reply, turnaround 4 ms
		fr(TX, req9, 100, 108, ""),                // never answered
		fr(TX, req1, 300, 308, ""),                // makes req9 unanswered
		fr(RX, bad, 310, 319, "CRC error"),        // the reply, damaged
		fr(TX, req1, 400, 408, ""),                // answered by an exception
		fr(RX, rtu(1, 0x83, 2), 411, 416, ""),     //
		fr(RX, rep1, 500, 509, "stale"),           // late reply to nothing
		fr(RX, []byte{0xFF}, 600, 600, "garbage"), //
		fr(TX, req1, 700, 708, ""),                // left pending: Flush
	}
	tr := NewTraffic(FramingRTU)
	var got []TrafficEvent
	for _, f := range frames {
		got = append(got, tr.Add(f)...)
	}
	got = append(got, tr.Flush()...)
	want := []struct {
		kind EventKind
		unit byte
		turn time.Duration
		text string
	}{
		{EventRequest, 1, 0, "unit 1 read holding 0..1 (40001×2)"},
		{EventEcho, 1, 0, "local echo"},
		{EventReply, 1, 4 * time.Millisecond, "unit 1 reply 2 registers: 0x0001 0x0002"},
		{EventRequest, 9, 0, "unit 9 read input 0 (30001)"},
		{EventUnanswered, 9, 0, "no reply to: unit 9 read input"},
		{EventRequest, 1, 0, ""},
		{EventCRCError, 1, 2 * time.Millisecond, "CRC error"},
		{EventRequest, 1, 0, ""},
		{EventException, 1, 3 * time.Millisecond, "exception 02 illegal data address"},
		{EventUnexpected, 1, 0, "reply 2 registers"},
		{EventGarbage, 0xFF, 0, "garbage (1 bytes)"},
		{EventRequest, 1, 0, ""},
		{EventUnanswered, 1, 0, "no reply to"},
	}
	if len(got) != len(want) {
		for _, e := range got {
			t.Logf("%v unit %d %q", e.Kind, e.Unit, e.Meaning)
		}
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i, w := range want {
		e := got[i]
		if e.Kind != w.kind || e.Unit != w.unit || e.Turnaround != w.turn || !strings.Contains(e.Meaning, w.text) {
			t.Errorf("event %d: %v unit %d turnaround %v %q; want %v unit %d turnaround %v containing %q",
				i, e.Kind, e.Unit, e.Turnaround, e.Meaning, w.kind, w.unit, w.turn, w.text)
		}
	}
	if got[2].Gap != 4*time.Millisecond || got[0].Gap != 0 {
		t.Errorf("gaps %v, %v; want 0, 4ms", got[0].Gap, got[2].Gap)
	}
	if got[8].Exception != ExIllegalDataAddress {
		t.Errorf("exception code %v", got[8].Exception)
	}
}

func TestTrafficMBAP(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	read := PDU{Function: FuncReadHoldingRegisters, Data: []byte{0, 0, 0, 1}}
	tr := NewTraffic(FramingMBAP)
	var got []EventKind
	add := func(dir Direction, b []byte) {
		for _, e := range tr.Add(TapFrame{Dir: dir, Bytes: b, Start: now, End: now}) {
			got = append(got, e.Kind)
		}
	}
	add(TX, EncodeMBAP(1, 1, read))
	add(TX, EncodeMBAP(2, 1, read))
	add(RX, EncodeMBAP(2, 1, PDU{Function: FuncReadHoldingRegisters, Data: []byte{2, 0, 5}}))
	add(RX, EncodeMBAP(7, 1, PDU{Function: FuncReadHoldingRegisters, Data: []byte{2, 0, 5}}))
	add(RX, []byte{1, 2, 3})
	for _, e := range tr.Flush() {
		got = append(got, e.Kind)
	}
	want := []EventKind{EventRequest, EventRequest, EventReply, EventUnexpected, EventGarbage, EventUnanswered}
	if !slices.Equal(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
}
