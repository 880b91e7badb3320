package probes

import (
	"bytes"
	"context"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// The serial scanner talks to the line directly rather than through
// modbus.RTUTransport: a scan is a different job from a read. It needs to see
// everything that comes back in a unit's window (garbage, a late reply from
// the unit asked before, a second reply to the same request), it must not
// spend a frame gap of caution after each silent unit (the line has been
// silent for the whole window, which is longer than t3.5), and it times each
// window itself from the moment the request's last byte left.

// probeKind classifies what came back for one probe request.
type probeKind int

const (
	probeSilent  probeKind = iota // nothing (or only the echo)
	probeAnswer                   // a clean reply from the unit: a normal reply or an exception
	probeGarbled                  // a frame that starts as the unit's reply but fails its CRC or length
	probeGarbage                  // bytes that are no frame at all: wrong settings or noise
)

func (k probeKind) String() string {
	switch k {
	case probeAnswer:
		return "answer"
	case probeGarbled:
		return "garbled"
	case probeGarbage:
		return "garbage"
	}
	return "silent"
}

// strayFrame is a well-formed reply from another unit than the one asked:
// normally a late reply to an earlier probe.
type strayFrame struct {
	unit byte
	at   time.Time
	exc  byte // exception code, 0 for a normal reply
}

// probeResult is what one probe saw.
type probeResult struct {
	kind       probeKind
	exc        byte          // exception code of an answer, 0 for a normal reply
	turnaround time.Duration // answer: end of request → start of reply (reply complete minus its wire time)
	junk       []byte        // garbled or garbage bytes seen in the window
	drained    []byte        // bytes found on the line before the request that were no frame
	strays     []strayFrame  // well-formed replies from other units (in the drain or the window)
	echo       bool          // the request's own bytes came back first (RS-485 local echo)
	second     bool          // a second reply from the same unit followed the first: duplicate unit ID
	sent       time.Time     // when the request's last byte left
}

func (r *probeResult) hasStray(unit byte) bool {
	for _, s := range r.strays {
		if s.unit == unit {
			return true
		}
	}
	return false
}

// probeRequest is the scan's probe: FC03, one register at address 0. A
// normal reply and an exception reply (02 illegal address, 01 illegal
// function, 06 busy…) both prove a device is there.
var probeRequest = func() modbus.PDU {
	p, _ := modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 1)
	return p
}()

// probeReplyLen is the length of the normal RTU reply to probeRequest.
const probeReplyLen = 7

// Bounds on the prober's loops (each is also bounded in time).
const (
	maxDrainReads = 64
	maxProbeReads = 4096
	maxJunk       = 512
	minReadGap    = 2 * time.Millisecond  // silence that ends a burst of bytes of unknown length
	minStall      = 20 * time.Millisecond // silence that ends a frame announced longer (USB adapters deliver in bursts)
)

// lineProber sends probe requests on one line at one setting.
type lineProber struct {
	line    modbus.Line
	s       modbus.LineSettings
	tap     modbus.Tap
	quietAt time.Time // no request before this: t3.5 after the last byte seen
	sent    int       // requests written
}

func newLineProber(line modbus.Line, s modbus.LineSettings, tap modbus.Tap) *lineProber {
	return &lineProber{line: line, s: s, tap: tap}
}

// readGap is the silence that ends a burst of bytes.
func (p *lineProber) readGap() time.Duration { return max(p.s.T35(), minReadGap) }

func (p *lineProber) tapFrame(dir modbus.Direction, b []byte, start, end time.Time, note string) {
	if p.tap != nil && len(b) > 0 {
		p.tap(modbus.TapFrame{Dir: dir, Bytes: append([]byte(nil), b...), Start: start, End: end, Note: note})
	}
}

// probe asks unit for one register and reads what comes back within window
// (counted from the request's last byte on the wire). After a clean answer
// it listens for listen more, to catch a second reply to the same request.
func (p *lineProber) probe(ctx context.Context, unit byte, window, listen time.Duration) (probeResult, error) {
	var r probeResult
	if err := p.drain(&r); err != nil {
		return r, err
	}
	if wait := time.Until(p.quietAt); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return r, ctx.Err()
		}
	}
	frame := modbus.EncodeRTU(unit, probeRequest)
	start := time.Now()
	if _, err := p.line.Write(frame); err != nil {
		return r, err
	}
	p.sent++
	r.sent = start.Add(p.s.FrameTime(len(frame)))
	p.tapFrame(modbus.TX, frame, start, r.sent, "")
	deadline := r.sent.Add(window)

	var buf []byte
	var first, last time.Time
	echoChecked := false
	gap := p.readGap()
	tmp := make([]byte, 256)
	complete := func() int { // length of a complete reply from unit at the head of buf, or 0
		if len(buf) == 0 || buf[0] != unit {
			return 0
		}
		if l := modbus.RTUResponseLength(probeRequest, buf); l > 0 && len(buf) >= l {
			return l
		}
		return 0
	}
	for range maxProbeReads {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		if complete() > 0 {
			break
		}
		var wait time.Duration
		switch {
		case len(buf) == 0:
			wait = time.Until(deadline)
			if wait <= 0 {
				break
			}
			wait = min(wait, 50*time.Millisecond) // check ctx now and then
		default:
			wait = gap
			if l := modbus.RTUResponseLength(probeRequest, buf); l > len(buf) && buf[0] == unit {
				wait = max(8*gap, minStall)
			}
		}
		if wait <= 0 {
			break
		}
		n, err := p.line.ReadTimeout(tmp, wait)
		if err != nil {
			return r, err
		}
		if n == 0 {
			if len(buf) == 0 {
				continue
			}
			// Silence after some bytes: the burst is over. Take any
			// well-formed frames from other units out and keep waiting for
			// ours while the window lasts.
			if rest := p.takeStrays(&r, buf, last); len(rest) < len(buf) {
				buf = rest
				if len(buf) == 0 && !r.hasStray(unit) {
					continue
				}
			}
			break
		}
		now := time.Now()
		if len(buf) == 0 {
			first = now
		}
		last = now
		buf = append(buf, tmp[:n]...)
		if len(buf) > maxJunk {
			break
		}
		if !echoChecked {
			switch {
			case len(buf) >= len(frame) && bytes.Equal(buf[:len(frame)], frame):
				p.tapFrame(modbus.RX, frame, first, last, "echo")
				r.echo, echoChecked = true, true
				buf = append([]byte(nil), buf[len(frame):]...)
				first = last
			case bytes.HasPrefix(frame, buf):
				// could still become the echo
			default:
				echoChecked = true
			}
		}
	}
	if len(buf) > 0 {
		p.quietAt = last.Add(p.s.T35())
	}
	if l := complete(); l > 0 && isFrame(buf[:l]) {
		r.kind = probeAnswer
		_, pdu, _ := modbus.DecodeRTU(buf[:l])
		if pdu.Function.IsException() && len(pdu.Data) > 0 {
			r.exc = pdu.Data[0]
		}
		r.turnaround = max(last.Sub(r.sent)-p.s.FrameTime(l), 0)
		p.tapFrame(modbus.RX, buf[:l], first, last, "")
		rest := buf[l:]
		if listen > 0 {
			rest = p.listenMore(ctx, rest, listen)
		}
		if len(rest) > 0 {
			if len(rest) > 0 && rest[0] == unit {
				r.second = true // a second reply (whole or collided) to one request
				p.tapFrame(modbus.RX, rest, last, time.Now(), "second reply (duplicate unit ID?)")
			} else if rest = p.takeStrays(&r, rest, time.Now()); len(rest) > 0 {
				r.junk = append(r.junk, rest...)
				p.tapFrame(modbus.RX, rest, last, time.Now(), "garbage")
			}
		}
		return r, nil
	}
	buf = p.takeStrays(&r, buf, last)
	for i, st := range r.strays {
		if st.unit == unit && st.at.After(r.sent) {
			// Our unit's reply behind some noise: an answer all the same.
			r.kind, r.exc = probeAnswer, st.exc
			r.turnaround = max(st.at.Sub(r.sent)-p.s.FrameTime(probeReplyLen), 0)
			r.strays = append(r.strays[:i:i], r.strays[i+1:]...)
			r.junk = buf
			return r, nil
		}
	}
	switch {
	case len(buf) == 0:
		r.kind = probeSilent
	case buf[0] == unit && len(buf) >= 2 && (buf[1] == 0x03 || buf[1] == 0x83):
		r.kind = probeGarbled
		r.junk = buf
		p.tapFrame(modbus.RX, buf, first, last, "CRC error")
	default:
		r.kind = probeGarbage
		r.junk = buf
		p.tapFrame(modbus.RX, buf, first, last, "garbage")
	}
	return r, nil
}

// listenMore reads for d more after a complete reply and returns what
// followed it.
func (p *lineProber) listenMore(ctx context.Context, rest []byte, d time.Duration) []byte {
	end := time.Now().Add(d)
	tmp := make([]byte, 256)
	for range maxDrainReads {
		if ctx.Err() != nil || len(rest) > maxJunk {
			break
		}
		wait := time.Until(end)
		if len(rest) > 0 {
			wait = p.readGap()
		}
		if wait <= 0 {
			break
		}
		n, err := p.line.ReadTimeout(tmp, wait)
		if err != nil || n == 0 {
			if len(rest) > 0 || err != nil {
				break
			}
			continue
		}
		rest = append(rest, tmp[:n]...)
		p.quietAt = time.Now().Add(p.s.T35())
	}
	return rest
}

// idle listens for d without sending: replies that come after the last
// probe's window become strays, other bytes drained junk.
func (p *lineProber) idle(ctx context.Context, d time.Duration) (probeResult, error) {
	var r probeResult
	end := time.Now().Add(d)
	tmp := make([]byte, 256)
	var got []byte
	for range maxProbeReads {
		wait := time.Until(end)
		if len(got) > 0 {
			wait = p.readGap()
		}
		if wait <= 0 || ctx.Err() != nil || len(got) > maxJunk {
			break
		}
		n, err := p.line.ReadTimeout(tmp, min(wait, 50*time.Millisecond))
		if err != nil {
			return r, err
		}
		if n == 0 {
			if len(got) > 0 {
				break
			}
			continue
		}
		got = append(got, tmp[:n]...)
	}
	if len(got) > 0 {
		now := time.Now()
		p.quietAt = now.Add(p.s.T35())
		if rest := p.takeStrays(&r, got, now); len(rest) > 0 {
			r.drained = rest
			p.tapFrame(modbus.RX, rest, now, now, "garbage")
		}
	}
	return r, ctx.Err()
}

// drain empties the line before a request: whole replies from other units
// (late answers) become strays, the rest is kept as drained junk.
func (p *lineProber) drain(r *probeResult) error {
	tmp := make([]byte, 256)
	var got []byte
	for range maxDrainReads {
		n, err := p.line.ReadTimeout(tmp, 0)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		got = append(got, tmp[:n]...)
	}
	if len(got) == 0 {
		return nil
	}
	now := time.Now()
	p.quietAt = now.Add(p.s.T35())
	rest := p.takeStrays(r, got, now)
	if len(rest) > 0 {
		r.drained = append(r.drained, rest...)
		p.tapFrame(modbus.RX, rest, now, now, "garbage")
	}
	return nil
}

// takeStrays removes every well-formed reply to a probe request (any unit)
// from b, records it as a stray, and returns the bytes left.
func (p *lineProber) takeStrays(r *probeResult, b []byte, at time.Time) []byte {
	var rest []byte
	for i := 0; i < len(b); {
		if l := modbus.RTUResponseLength(probeRequest, b[i:]); l > 0 && i+l <= len(b) && b[i+1]&0x7F == 0x03 && isFrame(b[i:i+l]) {
			s := strayFrame{unit: b[i], at: at}
			if b[i+1]&0x80 != 0 {
				s.exc = b[i+2]
			}
			r.strays = append(r.strays, s)
			p.tapFrame(modbus.RX, b[i:i+l], at, at, "stale (late reply)")
			i += l
			continue
		}
		rest = append(rest, b[i])
		i++
	}
	return rest
}

// isFrame reports whether b is one whole RTU frame with a good CRC.
func isFrame(b []byte) bool {
	_, _, err := modbus.DecodeRTU(b)
	return err == nil
}
