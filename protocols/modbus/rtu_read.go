package modbus

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// rtuReader gathers the reply to one RTU request.
type rtuReader struct {
	t        *RTUTransport
	unit     byte
	req      PDU
	frame    []byte // the request as sent
	rt       reqTiming
	mirror   bool // the normal reply equals the request
	echoDone bool // the echo was discarded or cannot come any more
	echo     []byte
	buf      []byte
	first    time.Time // arrival of buf[0]
	last     time.Time // arrival of the latest byte
	suspect  bool      // the previous request failed: a late reply to it may come first
}

// readReply reads the reply to frame until it is complete or the deadline passes.
func (t *RTUTransport) readReply(ctx context.Context, unit byte, req PDU, frame []byte, rt reqTiming, sent time.Time) (PDU, error) {
	r := &rtuReader{t: t, unit: unit, req: req, frame: frame, rt: rt, mirror: mirrorsRequest(req), suspect: t.dirty}
	r.echoDone = t.cfg.Echo == EchoOff
	deadline := rt.deadline(sent)
	gap := t.frameGap()
	stall := max(8*gap, minStallSilent)
	tmp := make([]byte, maxRTUFrame)
	want := -1 // expected length of the reply in buf: -1 unknown yet, 0 unknowable
	for range maxReplyReads {
		if err := ctxErr(ctx, unit, rt, nil); err != nil {
			if _, ok := err.(*TimeoutError); ok {
				return PDU{}, r.timeout()
			}
			return PDU{}, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return PDU{}, r.timeout()
		}
		full := rtuPollSlice
		switch {
		case len(r.buf) > 0 && want > len(r.buf):
			full = stall
		case len(r.buf) > 0:
			full = gap
		}
		wait := min(full, left)
		n, err := t.line.ReadTimeout(tmp, wait)
		if err != nil {
			return PDU{}, lineErr("read", err)
		}
		if n == 0 {
			if len(r.buf) == 0 || wait < full {
				continue // still waiting for the reply, or the deadline cut the wait
			}
			return r.endBySilence(want)
		}
		now := time.Now()
		if len(r.buf) == 0 {
			r.first = now
		}
		r.last = now
		r.buf = append(r.buf, tmp[:n]...)
		if len(r.buf) > maxRTUBuffer {
			t.tap.frame(RX, r.buf, r.first, r.last, "garbage")
			return PDU{}, frameErr(r.buf[:16], "%d bytes without a frame end: the line is babbling", len(r.buf))
		}
		if !r.echoDone && !r.stripEcho() {
			continue // could still be the echo: need more bytes
		}
		if len(r.buf) == 0 {
			want = -1
			continue
		}
		want = RTUResponseLength(req, r.buf)
		if want > 0 && len(r.buf) >= want {
			if r.suspect && isRTUFrame(r.buf[:want]) {
				return r.preferLater(want)
			}
			return r.accept(r.buf[:want], r.buf[want:])
		}
	}
	return PDU{}, r.timeout()
}

// preferLater handles a complete reply after a failed request: it listens
// for LateListen more. If a second whole reply from the unit follows, the
// first was a late answer to the failed request and the second is ours.
func (r *rtuReader) preferLater(want int) (PDU, error) {
	t := r.t
	guard := t.lateListen()
	first, rest := clone(r.buf[:want]), clone(r.buf[want:])
	restFirst := r.last
	tmp := make([]byte, maxRTUFrame)
	for range maxFlushReads {
		if l := RTUResponseLength(r.req, rest); l > 0 && len(rest) >= l && isRTUFrame(rest[:l]) && rest[0] == r.unit {
			t.tap.frame(RX, first, r.first, restFirst, "stale (late reply to the previous request)")
			r.first = restFirst
			return r.accept(rest[:l], rest[l:])
		}
		if guard <= 0 || len(rest) > maxRTUBuffer {
			break
		}
		n, err := t.line.ReadTimeout(tmp, guard)
		if err != nil {
			return PDU{}, lineErr("read", err)
		}
		if n == 0 {
			break
		}
		if len(rest) == 0 {
			restFirst = time.Now()
		}
		r.last = time.Now()
		rest = append(rest, tmp[:n]...)
	}
	return r.accept(first, rest)
}

// stripEcho discards a leading exact copy of the request. It returns false
// while buf is a proper prefix of the request and could still turn into the
// echo (unless it already holds a complete, valid reply).
func (r *rtuReader) stripEcho() bool {
	n := len(r.frame)
	switch {
	case len(r.buf) >= n && bytes.Equal(r.buf[:n], r.frame):
		t := r.t
		if r.mirror && t.cfg.Echo == EchoAuto && !t.echoSeen {
			// One copy of a request whose reply mirrors it, and no echo seen on
			// this line: take it as the reply, but remember it so that a second
			// copy found by the next flush teaches us the line echoes.
			t.lastMirror = clone(r.frame)
			r.echoDone = true
			return true
		}
		t.tap.frame(RX, r.buf[:n], r.first, r.last, "echo")
		if !r.mirror {
			t.echoSeen = true
		}
		r.echo = clone(r.buf[:n])
		r.buf = r.buf[n:]
		r.first = r.last
		r.echoDone = true
		return true
	case bytes.HasPrefix(r.frame, r.buf):
		if l := RTUResponseLength(r.req, r.buf); l > 0 && l <= len(r.buf) && isRTUFrame(r.buf[:l]) {
			r.echoDone = true
			return true
		}
		return false
	}
	r.echoDone = true // the first bytes differ from the request: no echo
	return true
}

// endBySilence handles a silence after some bytes: the frame has ended.
func (r *rtuReader) endBySilence(want int) (PDU, error) {
	if want > len(r.buf) {
		r.t.tap.frame(RX, r.buf, r.first, r.last, "truncated")
		return PDU{}, frameErr(r.buf, "truncated reply from unit %d: %d of %d bytes, then silence", r.unit, len(r.buf), want)
	}
	if !r.echoDone && bytes.HasPrefix(r.frame, r.buf) {
		r.t.tap.frame(RX, r.buf, r.first, r.last, "truncated echo")
		return PDU{}, frameErr(r.buf, "truncated frame (%d bytes, a prefix of the request), then silence", len(r.buf))
	}
	return r.accept(r.buf, nil)
}

// accept decodes a complete frame and checks its unit; trailing bytes that
// came with it are tapped as garbage.
func (r *rtuReader) accept(frame, trailing []byte) (PDU, error) {
	t := r.t
	defer func() {
		if len(trailing) > 0 {
			t.tap.frame(RX, trailing, r.last, r.last, "garbage")
		}
	}()
	unit, p, err := DecodeRTU(frame)
	if err != nil {
		note := "malformed"
		if _, ok := err.(*CRCError); ok {
			note = "CRC error"
		}
		t.tap.frame(RX, frame, r.first, r.last, note)
		return PDU{}, fmt.Errorf("reply from unit %d: %w", r.unit, err)
	}
	if unit != r.unit {
		t.tap.frame(RX, frame, r.first, r.last, fmt.Sprintf("unit %d", unit))
		return PDU{}, &UnexpectedUnitError{Want: r.unit, Got: unit}
	}
	t.tap.frame(RX, frame, r.first, r.last, "")
	return p, nil
}

// timeout builds the error for a reply that did not come in time.
func (r *rtuReader) timeout() error {
	if len(r.buf) > 0 {
		r.t.tap.frame(RX, r.buf, r.first, r.last, "partial")
	}
	te := &TimeoutError{Unit: r.unit, Timeout: r.rt.timeout, Partial: clone(r.buf)}
	if r.echo != nil && len(r.buf) == 0 {
		return &echoTimeoutError{timeout: te, echo: &EchoError{Frame: r.echo}}
	}
	return te
}
