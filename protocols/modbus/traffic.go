package modbus

import (
	"strings"
	"time"
)

// EventKind classifies a frame of traffic once it is paired with the
// request it answers.
type EventKind int

// Traffic event kinds.
const (
	EventRequest    EventKind = iota // a request (TX: master to device)
	EventReply                       // a normal reply to the pending request
	EventException                   // an exception reply to the pending request
	EventCRCError                    // a frame whose CRC does not match (the reply, when one was pending)
	EventGarbage                     // bytes that are no frame, or a frame that cannot be decoded
	EventUnanswered                  // a request that got no reply (Frame is the request)
	EventUnexpected                  // a good reply to no pending request: late, stale, or from another unit
	EventEcho                        // the RS-485 local echo of our own request
)

// String names the kind in lower case, as JSON and summaries show it.
func (k EventKind) String() string {
	switch k {
	case EventRequest:
		return "request"
	case EventReply:
		return "reply"
	case EventException:
		return "exception"
	case EventCRCError:
		return "crc_error"
	case EventGarbage:
		return "garbage"
	case EventUnanswered:
		return "unanswered"
	case EventUnexpected:
		return "unexpected"
	case EventEcho:
		return "echo"
	}
	return "unknown"
}

// TrafficEvent is one frame with its meaning and timing, or a request found
// unanswered.
type TrafficEvent struct {
	Kind     EventKind
	Frame    TapFrame     // the frame; for EventUnanswered, the request
	Unit     byte         // the unit addressed or answering (a CRC error's: the request's, else the frame's first byte)
	Function FunctionCode // the function, exception bit cleared; 0 when unknown
	// Exception is the code of an EventException.
	Exception ExceptionCode
	// Meaning is Describe's explanation of the frame.
	Meaning string
	// Gap is the silence from the end of the previous frame to the start of
	// this one (0 for the first frame and for EventUnanswered).
	Gap time.Duration
	// Turnaround is, for a frame that answers a request (reply, exception,
	// CRC error), the time from the end of the request to the start of the
	// answer; 0 otherwise.
	Turnaround time.Duration
	// Request is the request an answer or EventUnanswered belongs to.
	Request *TapFrame
}

// maxPendingMBAP bounds the Modbus/TCP requests awaiting a reply; beyond it
// the oldest is reported unanswered.
const maxPendingMBAP = 256

// pendingReq is a request awaiting its reply.
type pendingReq struct {
	frame TapFrame
	unit  byte
	pdu   PDU
	tid   uint16
}

// Traffic pairs the frames of one link with the requests they answer and
// explains each. TX frames are requests (from the master), RX frames
// replies. On RTU one request is pending at a time: a new request makes the
// previous one unanswered. On MBAP requests pair by transaction ID. It keeps
// no history beyond the pending requests, so it runs for hours in constant
// memory. It is not safe for concurrent use.
type Traffic struct {
	framing Framing
	lastEnd time.Time
	rtu     *pendingReq
	mbap    []pendingReq // in send order
}

// NewTraffic returns a pairer for frames of the given framing.
func NewTraffic(framing Framing) *Traffic { return &Traffic{framing: framing} }

// Add takes the next frame in time order and returns its events: the frame's
// own, preceded by an EventUnanswered when it shows that a pending request
// will get no reply.
func (t *Traffic) Add(f TapFrame) []TrafficEvent {
	ev := TrafficEvent{Frame: f}
	if !t.lastEnd.IsZero() && f.Start.After(t.lastEnd) {
		ev.Gap = f.Start.Sub(t.lastEnd)
	}
	if f.End.After(t.lastEnd) {
		t.lastEnd = f.End
	}
	if f.Dir == TX {
		return t.request(ev)
	}
	return t.answer(ev)
}

// Flush reports every pending request as unanswered: call it when the reply
// timeout has passed, or at the end of a capture.
func (t *Traffic) Flush() []TrafficEvent {
	var out []TrafficEvent
	if t.rtu != nil {
		out = append(out, t.unanswered(*t.rtu))
		t.rtu = nil
	}
	for _, p := range t.mbap {
		out = append(out, t.unanswered(p))
	}
	t.mbap = nil
	return out
}

// unanswered reports a pending request that will get no reply.
func (t *Traffic) unanswered(p pendingReq) TrafficEvent {
	req := p.frame
	return TrafficEvent{Kind: EventUnanswered, Frame: p.frame, Unit: p.unit, Function: p.pdu.Function,
		Meaning: "no reply to: " + Describe(TX, p.frame.Bytes, t.framing, nil), Request: &req}
}

// decode splits a frame into header facts and PDU, per the framing.
func (t *Traffic) decode(b []byte) (unit byte, tid uint16, p PDU, err error) {
	if t.framing == FramingMBAP {
		var h MBAPHeader
		h, p, err = DecodeMBAP(b)
		return h.Unit, h.Transaction, p, err
	}
	unit, p, err = DecodeRTU(b)
	return unit, 0, p, err
}

// request handles a TX frame.
func (t *Traffic) request(ev TrafficEvent) []TrafficEvent {
	var out []TrafficEvent
	unit, tid, p, err := t.decode(ev.Frame.Bytes)
	if t.framing == FramingRTU && t.rtu != nil {
		out = append(out, t.unanswered(*t.rtu))
		t.rtu = nil
	}
	ev.Meaning = Describe(TX, ev.Frame.Bytes, t.framing, nil)
	if err != nil {
		ev.Kind = kindOfError(err)
		ev.Unit = firstByte(ev.Frame.Bytes, t.framing)
		return append(out, ev)
	}
	ev.Kind, ev.Unit, ev.Function = EventRequest, unit, p.Function
	pr := pendingReq{frame: ev.Frame, unit: unit, pdu: p, tid: tid}
	switch {
	case t.framing == FramingMBAP:
		if len(t.mbap) >= maxPendingMBAP {
			out = append(out, t.unanswered(t.mbap[0]))
			t.mbap = t.mbap[1:]
		}
		t.mbap = append(t.mbap, pr)
	case unit != 0: // an RTU broadcast gets no reply
		t.rtu = &pr
	}
	return append(out, ev)
}

// answer handles an RX frame.
func (t *Traffic) answer(ev TrafficEvent) []TrafficEvent {
	if strings.Contains(ev.Frame.Note, "echo") {
		ev.Kind, ev.Meaning = EventEcho, "local echo of the request"
		ev.Unit = firstByte(ev.Frame.Bytes, t.framing)
		return []TrafficEvent{ev}
	}
	unit, tid, p, err := t.decode(ev.Frame.Bytes)
	var pending *pendingReq
	idx := -1
	if t.framing == FramingRTU {
		pending = t.rtu
	} else if err == nil {
		for i := range t.mbap {
			if t.mbap[i].tid == tid {
				pending, idx = &t.mbap[i], i
				break
			}
		}
	}
	stale := strings.HasPrefix(ev.Frame.Note, "stale")
	matches := pending != nil && !stale && (err != nil && kindOfError(err) == EventCRCError ||
		err == nil && unit == pending.unit && p.Function.Base() == pending.pdu.Function)
	var reqPDU *PDU
	if matches {
		req := pending.frame
		ev.Request = &req
		reqPDU = &pending.pdu
		if d := ev.Frame.Start.Sub(req.End); d > 0 {
			ev.Turnaround = d
		}
		if idx >= 0 {
			t.mbap = append(t.mbap[:idx], t.mbap[idx+1:]...)
		} else {
			t.rtu = nil
		}
	}
	ev.Meaning = Describe(RX, ev.Frame.Bytes, t.framing, reqPDU)
	switch {
	case err != nil:
		ev.Kind = kindOfError(err)
		ev.Unit = firstByte(ev.Frame.Bytes, t.framing)
		if matches {
			ev.Unit, ev.Function = pending.unit, pending.pdu.Function
		}
	case !matches:
		ev.Kind, ev.Unit, ev.Function = EventUnexpected, unit, p.Function.Base()
	case p.Function.IsException():
		ev.Kind, ev.Unit, ev.Function = EventException, unit, p.Function.Base()
		if len(p.Data) > 0 {
			ev.Exception = ExceptionCode(p.Data[0])
		}
	default:
		ev.Kind, ev.Unit, ev.Function = EventReply, unit, p.Function
	}
	return []TrafficEvent{ev}
}

// kindOfError maps a decode error to an event kind.
func kindOfError(err error) EventKind {
	if _, ok := err.(*CRCError); ok {
		return EventCRCError
	}
	return EventGarbage
}

// firstByte guesses the unit of a frame that did not decode.
func firstByte(b []byte, framing Framing) byte {
	i := 0
	if framing == FramingMBAP {
		i = MBAPHeaderLen - 1
	}
	if len(b) > i {
		return b[i]
	}
	return 0
}
