package tui

import (
	"sync"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// Frame is one frame of the traffic log, described for a technician.
type Frame struct {
	Seq     uint64
	Source  string // the target URL or scanned port it was seen on
	Dir     modbus.Direction
	Start   time.Time
	End     time.Time
	Unit    int // -1 when the frame is too short to tell
	Bytes   []byte
	Note    string // the transport's note: "echo", "CRC error", "garbage"
	Text    string // modbus.Describe of the frame
	Latency time.Duration
}

// Traffic is a bounded log of frames, filled by taps on the transports'
// goroutines and read by the monitor screen. It is safe for concurrent use.
type Traffic struct {
	mu     sync.Mutex
	frames []Frame // ring
	next   int
	full   bool
	seq    uint64
}

// NewTraffic returns a log that keeps the last n frames.
func NewTraffic(n int) *Traffic {
	if n < 1 {
		n = 1
	}
	return &Traffic{frames: make([]Frame, n)}
}

// Tap returns a modbus.Tap that records the frames of one source; replies
// are described with the request they answer and get its latency.
func (t *Traffic) Tap(source string, framing modbus.Framing) modbus.Tap {
	var mu sync.Mutex
	var lastReq *modbus.PDU
	var lastEnd time.Time
	return func(f modbus.TapFrame) {
		mu.Lock()
		var req *modbus.PDU
		var lat time.Duration
		if f.Dir == modbus.TX {
			lastReq, lastEnd = requestPDU(f.Bytes, framing), f.End
		} else {
			req = lastReq
			if !lastEnd.IsZero() {
				lat = f.Start.Sub(lastEnd)
			}
		}
		mu.Unlock()
		text := modbus.Describe(f.Dir, f.Bytes, framing, req)
		t.add(Frame{
			Source: source, Dir: f.Dir, Start: f.Start, End: f.End, Unit: frameUnit(f.Bytes, framing),
			Bytes: append([]byte(nil), f.Bytes...), Note: f.Note, Text: text, Latency: lat,
		})
	}
}

func (t *Traffic) add(f Frame) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	f.Seq = t.seq
	t.frames[t.next] = f
	t.next++
	if t.next == len(t.frames) {
		t.next, t.full = 0, true
	}
}

// Since returns the frames with a sequence number above seq, oldest first.
func (t *Traffic) Since(seq uint64) []Frame {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Frame
	appendRange := func(fs []Frame) {
		for _, f := range fs {
			if f.Seq > seq {
				out = append(out, f)
			}
		}
	}
	if t.full {
		appendRange(t.frames[t.next:])
	}
	appendRange(t.frames[:t.next])
	return out
}

// frameUnit reads the unit ID of an RTU or MBAP frame.
func frameUnit(b []byte, framing modbus.Framing) int {
	if framing == modbus.FramingMBAP {
		if len(b) >= 7 {
			return int(b[6])
		}
		return -1
	}
	if len(b) >= 1 {
		return int(b[0])
	}
	return -1
}

// requestPDU extracts the PDU of a request frame (nil when it is malformed).
func requestPDU(b []byte, framing modbus.Framing) *modbus.PDU {
	if framing == modbus.FramingMBAP {
		if _, p, err := modbus.DecodeMBAP(b); err == nil {
			return &p
		}
		return nil
	}
	if _, p, err := modbus.DecodeRTU(b); err == nil {
		return &p
	}
	return nil
}
