package probes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// tcpOutcome of one probe.
type tcpOutcome int

const (
	tcpOutSilent tcpOutcome = iota // no reply in time
	tcpOutDevice                   // normal reply or a device's exception
	tcpOutAbsent                   // gateway exception 0x0A/0x0B
	tcpOutOdd                      // a reply that does not fit (wrong unit, bad frame)
	tcpOutBroken                   // the connection failed
)

type tcpProbe struct {
	unit    int
	out     tcpOutcome
	latency time.Duration
	reply   []byte // reply PDU bytes (for the all-units check)
	note    string
}

// tcpHostConn is the scan's single connection to one host:port.
type tcpHostConn struct {
	s       *tcpScanner
	addr    string
	framing string
	client  *modbus.Client
	dials   int
	rtt     time.Duration // best connect round trip
	maxLat  time.Duration // slowest reply seen
	replies int
	gwExc   int // gateway exceptions seen: this host answers absent units
}

func (h *tcpHostConn) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if h.dials >= maxDialsPerHost {
		return nil, fmt.Errorf("gave up after %d connections (the host keeps closing them)", h.dials)
	}
	h.dials++
	t0 := time.Now()
	c, err := h.s.cfg.NetDial(ctx, network, address)
	if err == nil {
		if d := time.Since(t0); h.rtt == 0 || d < h.rtt {
			h.rtt = d
		}
	}
	return c, err
}

// open connects in the given framing (closing any previous connection first,
// so the host never sees two of ours).
func (h *tcpHostConn) open(ctx context.Context, framing string) error {
	h.close()
	scheme := modbus.SchemeTCP
	if framing == FramingRTU {
		scheme = modbus.SchemeRTUOverTCP
	}
	t := modbus.Target{Scheme: scheme, Address: h.addr, Timeout: h.s.cfg.MaxTimeout}
	c, err := modbus.Dial(ctx, t, modbus.DialOptions{ConnectTimeout: h.s.cfg.ConnectTimeout, NetDial: h.dial, Timeout: h.s.cfg.MaxTimeout})
	if err != nil {
		return err
	}
	h.client, h.framing = c, framing
	return nil
}

func (h *tcpHostConn) close() {
	if h.client != nil {
		_ = h.client.Close()
		h.client = nil
	}
}

// timeout is the per-unit reply timeout: FirstTimeout until the host has
// answered, then a few times its slowest reply plus the network round trip.
func (h *tcpHostConn) timeout() time.Duration {
	c := h.s.cfg
	if h.replies == 0 {
		return h.s.firstTimeout(h)
	}
	return min(max(4*h.maxLat+2*h.rtt, c.MinTimeout), c.MaxTimeout)
}

// probe reads holding register 0 of unit with timeout d.
func (h *tcpHostConn) probe(ctx context.Context, unit int, d time.Duration) tcpProbe {
	req, _ := modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 1)
	h.s.probes.Add(1)
	t0 := time.Now()
	resp, err := h.client.WithTimeout(d).Do(ctx, byte(unit), req)
	lat := time.Since(t0)
	r := tcpProbe{unit: unit, latency: lat}
	var ex *modbus.ExceptionError
	var te *modbus.TransportError
	switch {
	case err == nil || errors.As(err, &ex):
		h.replies++
		h.maxLat = max(h.maxLat, lat)
		r.reply = resp.Bytes()
		if ex != nil && ex.Code.IsGateway() {
			h.gwExc++
			r.out = tcpOutAbsent
		} else {
			r.out = tcpOutDevice
			if ex != nil {
				r.note = "answered exception " + ex.Code.String()
			}
		}
	case errors.Is(err, modbus.ErrTimeout):
		r.out = tcpOutSilent
	case ctx.Err() != nil:
		r.out = tcpOutBroken
	case errors.As(err, &te) || errors.Is(err, modbus.ErrClosed):
		r.out = tcpOutBroken
		r.note = err.Error()
	default:
		r.out = tcpOutOdd
		r.note = err.Error()
	}
	return r
}

func (s *tcpScanner) firstTimeout(h *tcpHostConn) time.Duration {
	if s.cfg.FirstTimeout > 0 {
		return s.cfg.FirstTimeout
	}
	return min(max(50*h.rtt, 100*time.Millisecond), s.cfg.MaxTimeout)
}
