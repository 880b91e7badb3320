package modbus

import "time"

// maxSplitPending caps the bytes the splitter holds while no frame can be
// cut; beyond it they are given up as one garbage frame.
const maxSplitPending = 512

// Splitter cuts the byte stream a listen-only port hears on an RS-485 line
// into RTU frames and tells requests (TX: from the master) from replies
// (RX: from a device). A frame ends at a silence of t3.5 (the caller reports
// it with Silence) or, when frames follow each other too closely, at the
// length its first bytes announce, provided the CRC over that length holds:
// the length of a request from RTURequestLength, of the reply to the
// request just seen from RTUResponseLength. A frame that follows a request
// and comes from the unit addressed with its function (or its exception) is
// the reply; anything else is a request.
//
// Frame times are estimates: End is when the read that completed the frame
// returned, Start is End less the frame's time on the wire at the line's
// settings (never before the previous frame's end). It is not safe for
// concurrent use.
type Splitter struct {
	line    LineSettings
	buf     []byte
	lastAt  time.Time // when the last bytes of buf arrived
	prevEnd time.Time // end of the previous frame
	expect  *pendingReq
}

// NewSplitter returns a splitter for a line at the given settings.
func NewSplitter(line LineSettings) *Splitter { return &Splitter{line: line} }

// Feed adds bytes read at time at and returns the frames they complete.
func (s *Splitter) Feed(b []byte, at time.Time) []TapFrame {
	if len(b) == 0 {
		return nil
	}
	s.buf = append(s.buf, b...)
	s.lastAt = at
	var out []TapFrame
	for range maxSplitPending { // each pass cuts at least 4 bytes or stops
		n := s.cutLength()
		if n == 0 {
			break
		}
		out = append(out, s.emit(n, at))
	}
	if len(s.buf) > maxSplitPending {
		out = append(out, s.emit(len(s.buf), at))
	}
	return out
}

// Silence ends the pending bytes as one frame: call it when the line has
// been silent for t3.5 after the last bytes fed.
func (s *Splitter) Silence() []TapFrame {
	if len(s.buf) == 0 {
		return nil
	}
	return []TapFrame{s.emit(len(s.buf), s.lastAt)}
}

// Pending reports whether bytes are waiting for the end of their frame.
func (s *Splitter) Pending() bool { return len(s.buf) > 0 }

// cutLength returns the length of a complete frame with a good CRC at the
// start of the buffer, or 0 when none can be cut yet.
func (s *Splitter) cutLength() int {
	var candidates [2]int
	if s.expect != nil && len(s.buf) >= 2 && s.buf[0] == s.expect.unit &&
		FunctionCode(s.buf[1]).Base() == s.expect.pdu.Function {
		candidates[0] = RTUResponseLength(s.expect.pdu, s.buf)
	}
	candidates[1] = RTURequestLength(s.buf)
	for _, n := range candidates {
		if n >= 4 && n <= len(s.buf) && crcOK(s.buf[:n]) {
			return n
		}
	}
	return 0
}

// crcOK reports whether an RTU frame's CRC matches.
func crcOK(f []byte) bool {
	n := len(f)
	return n >= 4 && CRC16(f[:n-2]) == uint16(f[n-2])|uint16(f[n-1])<<8
}

// emit cuts the first n bytes of the buffer as a frame that ended at end.
func (s *Splitter) emit(n int, end time.Time) TapFrame {
	b := append([]byte(nil), s.buf[:n]...)
	s.buf = append(s.buf[:0], s.buf[n:]...)
	start := end.Add(-s.line.FrameTime(n))
	if start.Before(s.prevEnd) {
		start = s.prevEnd
	}
	if start.After(end) {
		start = end
	}
	s.prevEnd = end
	f := TapFrame{Dir: TX, Bytes: b, Start: start, End: end}
	if s.expect != nil && s.isReply(b) {
		f.Dir = RX
		s.expect = nil
		return f
	}
	s.expect = nil
	if unit, p, err := DecodeRTU(b); err == nil && unit != 0 && !p.Function.IsException() {
		s.expect = &pendingReq{unit: unit, pdu: p}
	}
	return f
}

// isReply decides whether a frame that follows a request is its reply.
func (s *Splitter) isReply(b []byte) bool {
	e := s.expect
	if len(b) < 2 || b[0] != e.unit {
		return false
	}
	if !crcOK(b) {
		return true // a damaged frame from the unit just asked: its reply
	}
	fc := FunctionCode(b[1])
	if fc.Base() != e.pdu.Function {
		return false
	}
	if fc.IsException() {
		return len(b) == 5
	}
	if n := RTUResponseLength(e.pdu, b); n == len(b) || n == 0 {
		return true
	}
	// Neither a reply of the announced length: a repeated request, if it is one.
	return RTURequestLength(b) != len(b)
}
