package probes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// TCPScanConfig says what ScanTCP covers and how patiently. Zero values pick
// the defaults.
type TCPScanConfig struct {
	// Targets are hosts, ranges (10.0.0.1-20) and CIDR blocks; see ParseTargets.
	Targets []string
	// Ports to try on every host (default 502).
	Ports []int
	// Units to probe on every host that accepts a connection (default 1-247;
	// 0 and 248-255 only when listed).
	Units []int
	// Concurrency is how many hosts are scanned at once (default 64). A host
	// never has more than one connection from the scan at a time.
	Concurrency int
	// ConnectTimeout bounds each TCP connect (default 300 ms, for a LAN).
	ConnectTimeout time.Duration
	// FirstTimeout is the reply timeout until a host has answered once
	// (default 50 × the connect round trip, within 100 ms .. 1 s).
	FirstTimeout time.Duration
	// MinTimeout is the floor of the per-unit timeout derived from the
	// host's measured turnaround (default 20 ms); MaxTimeout its cap (1 s).
	MinTimeout, MaxTimeout time.Duration
	// NoRTU skips the RTU-over-TCP check on hosts silent to MBAP.
	NoRTU bool
	// NoIdentify skips identification of the devices found.
	NoIdentify bool
	// Library holds the profiles identification matches (nil: none, the
	// identity strings are still read).
	Library *profiles.Library
	// NetDial opens connections (nil: a net.Dialer).
	NetDial modbus.DialFunc
}

// Defaults of TCPScanConfig.
const (
	DefaultScanConcurrency    = 64
	DefaultScanConnectTimeout = 300 * time.Millisecond
	DefaultScanMinTimeout     = 20 * time.Millisecond
	DefaultScanMaxTimeout     = time.Second
	// allUnitsThreshold: a host whose every probed unit (at least this many)
	// gives the same non-gateway reply is one device ignoring unit IDs.
	allUnitsThreshold = 8
	// maxDialsPerHost bounds reconnects to a host that keeps dropping us.
	maxDialsPerHost = 8
)

// Framings a TCP device answered in (Device.Framing).
const (
	FramingMBAP = "mbap"
	FramingRTU  = "rtu"
)

// ScanTCP scans hosts, ranges and CIDR blocks for Modbus/TCP gateways and
// devices. For every host (at most Concurrency at once) it tries each port in
// turn over one connection: every unit is probed with a read of holding
// register 0 (function 03); a normal reply or any exception but 0x0A/0x0B
// means a device is there, 0x0A/0x0B mean "gateway alive, unit absent".
// Unit timeouts follow the host's measured turnaround (see TCPScanConfig).
// A host silent to MBAP at its first units is asked in RTU framing on the
// same port (a serial device server). A host answering every unit alike is
// reported once with a note. Every device found is identified (Identify).
//
// emit receives "progress" events (after each host:port) and "found" events,
// one per device, from one goroutine at a time; it may be nil. The caller
// reports "done" with the returned result. On ctx cancellation the result
// holds what was found so far, Interrupted is set, and the error is ctx's.
func ScanTCP(ctx context.Context, cfg TCPScanConfig, emit func(Event)) (ScanResult, error) {
	start := time.Now()
	res := ScanResult{SchemaVersion: ScanSchemaVersion, Kind: "tcp", Target: strings.Join(cfg.Targets, ","), Started: start, Devices: []Device{}}
	hosts, err := ParseTargets(cfg.Targets)
	if err != nil {
		return res, err
	}
	cfg.fill()
	for _, u := range cfg.Units {
		if u < 0 || u > 255 {
			return res, fmt.Errorf("unit %d out of range 0..255", u)
		}
	}
	for _, p := range cfg.Ports {
		if p < 1 || p > 65535 {
			return res, fmt.Errorf("port %d out of range 1..65535", p)
		}
	}
	s := &tcpScanner{cfg: cfg, emitFn: emit, total: len(hosts) * len(cfg.Ports), start: start}
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
loop:
	for _, h := range hosts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for _, port := range cfg.Ports {
				if ctx.Err() != nil {
					return
				}
				devs, notes := s.scanHostPort(ctx, h, port)
				s.finish(h, port, devs, notes)
			}
		}()
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	res.Devices = append(res.Devices, s.devices...)
	sortTCPDevices(res.Devices)
	sort.Strings(s.notes)
	res.Notes = s.notes
	res.Probes = int(s.probes.Load())
	res.Duration = time.Since(start)
	res.DurationMS = float64(res.Duration.Microseconds()) / 1000
	if ctx.Err() != nil {
		res.Interrupted = true
		return res, ctx.Err()
	}
	return res, nil
}

func (c *TCPScanConfig) fill() {
	if len(c.Ports) == 0 {
		c.Ports = []int{502}
	}
	if len(c.Units) == 0 {
		for u := 1; u <= 247; u++ {
			c.Units = append(c.Units, u)
		}
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultScanConcurrency
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultScanConnectTimeout
	}
	if c.MinTimeout <= 0 {
		c.MinTimeout = DefaultScanMinTimeout
	}
	if c.MaxTimeout <= 0 {
		c.MaxTimeout = DefaultScanMaxTimeout
	}
	if c.MinTimeout > c.MaxTimeout {
		c.MaxTimeout = c.MinTimeout
	}
	if c.NetDial == nil {
		c.NetDial = (&net.Dialer{}).DialContext
	}
}

type tcpScanner struct {
	cfg    TCPScanConfig
	emitFn func(Event)
	probes atomic.Int64
	start  time.Time
	total  int

	mu      sync.Mutex
	done    int
	devices []Device
	notes   []string
}

// finish records a host:port's devices and reports them and the progress.
func (s *tcpScanner) finish(host string, port int, devs []Device, notes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done++
	s.devices = append(s.devices, devs...)
	s.notes = append(s.notes, notes...)
	if s.emitFn == nil {
		return
	}
	for i := range devs {
		d := devs[i]
		s.emitFn(Event{Type: "found", Device: &d})
	}
	p := &Progress{Done: s.done, Total: s.total, Current: net.JoinHostPort(host, strconv.Itoa(port)), FoundNow: len(s.devices)}
	if s.done > 0 && s.done < s.total {
		el := time.Since(s.start)
		p.ETAMS = float64((el / time.Duration(s.done) * time.Duration(s.total-s.done)).Milliseconds())
	}
	s.emitFn(Event{Type: "progress", Progress: p})
}

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

// scanHostPort probes every unit of one host:port and identifies what answers.
func (s *tcpScanner) scanHostPort(ctx context.Context, host string, port int) (devs []Device, notes []string) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	h := &tcpHostConn{s: s, addr: addr}
	defer h.close()
	if err := h.open(ctx, FramingMBAP); err != nil {
		return nil, nil // nothing listens there: not worth a note on a range scan
	}
	units := s.cfg.Units
	results := make(map[int]tcpProbe, len(units))
	note := func(f string, a ...any) { notes = append(notes, addr+": "+fmt.Sprintf(f, a...)) }

	// First units in MBAP; if all silent, ask in RTU framing.
	const firstUnits = 2
	i := 0
	broken := false
	for ; i < len(units) && i < firstUnits; i++ {
		r := h.probe(ctx, units[i], h.timeout())
		results[units[i]] = r
		if r.out != tcpOutSilent {
			if r.out == tcpOutBroken {
				broken = true
			}
			i++
			break
		}
	}
	if h.replies == 0 && !s.cfg.NoRTU && ctx.Err() == nil {
		if err := h.open(ctx, FramingRTU); err == nil {
			peerClosed := false
			for j := 0; j < i; j++ {
				r := h.probe(ctx, units[j], h.timeout())
				if r.out == tcpOutBroken {
					peerClosed = true
					break
				}
				if r.out == tcpOutDevice || r.out == tcpOutAbsent {
					results[units[j]] = r
				}
			}
			if h.replies > 0 {
				note("RTU over TCP: no reply to MBAP, CRC-valid RTU replies")
			} else if err := h.open(ctx, FramingMBAP); err != nil {
				note("cannot reconnect: %v", err)
				return nil, notes
			} else if peerClosed {
				broken = false
			}
		}
	}
	if broken && h.replies == 0 {
		// the host dropped the connection at once: try to go on, the transport reconnects
		broken = false
	}
	sweep := func(from int) {
		for _, u := range units[from:] {
			if ctx.Err() != nil {
				return
			}
			if _, done := results[u]; done {
				continue
			}
			r := h.probe(ctx, u, h.timeout())
			results[u] = r
			if r.out == tcpOutBroken && h.dials >= maxDialsPerHost {
				note("stopped at unit %d: %s", u, r.note)
				return
			}
		}
	}
	sweep(i)
	// A host that answers absent units with 0x0A/0x0B should not be silent
	// for any unit: ask the silent ones again, more patiently.
	if h.gwExc > 0 {
		for _, u := range units {
			if r := results[u]; r.out == tcpOutSilent && ctx.Err() == nil {
				results[u] = h.probe(ctx, u, max(2*h.timeout(), s.firstTimeout(h)))
			}
		}
	}
	// Silent to MBAP throughout, and the RTU check was not conclusive: sweep in RTU.
	if h.replies == 0 && !s.cfg.NoRTU && h.framing == FramingMBAP && ctx.Err() == nil && len(units) > firstUnits {
		if err := h.open(ctx, FramingRTU); err == nil {
			rtuRes := map[int]tcpProbe{}
			for _, u := range units {
				if ctx.Err() != nil {
					break
				}
				r := h.probe(ctx, u, h.timeout())
				if r.out == tcpOutBroken {
					break
				}
				rtuRes[u] = r
			}
			if h.replies > 0 {
				results = rtuRes
				note("RTU over TCP: no reply to MBAP, CRC-valid RTU replies")
			}
		}
	}

	var found []tcpProbe
	for _, u := range units {
		if r, ok := results[u]; ok && r.out == tcpOutDevice {
			found = append(found, r)
		}
	}
	if len(found) == 0 {
		if h.replies == 0 && ctx.Err() == nil {
			note("connection accepted but no Modbus reply (MBAP%s) from %d units", map[bool]string{true: "", false: " or RTU"}[s.cfg.NoRTU], len(units))
		} else if h.gwExc > 0 {
			note("gateway answers, no device behind it among the units probed")
		}
		return nil, notes
	}
	allAlike := ""
	if len(found) >= allUnitsThreshold && len(found) == len(units) {
		same := true
		for _, r := range found[1:] {
			if !bytes.Equal(r.reply, found[0].reply) {
				same = false
				break
			}
		}
		if same {
			allAlike = fmt.Sprintf("answers every unit ID probed (%d of %d) with the same reply: one device ignoring the unit ID, or a gateway answering for all; listed once", len(found), len(units))
			note("%s", allAlike)
			found = found[:1]
		}
	}
	scheme := "tcp"
	if h.framing == FramingRTU {
		scheme = modbus.SchemeRTUOverTCP
	}
	for _, r := range found {
		d := Device{
			URL: scheme + "://" + addr, Unit: r.unit, Host: host, Port: port, Framing: h.framing,
			LatencyMS: float64(r.latency.Microseconds()) / 1000,
		}
		if r.note != "" {
			d.Notes = append(d.Notes, r.note)
		}
		if allAlike != "" {
			d.Notes = append(d.Notes, allAlike)
		}
		if !s.cfg.NoIdentify && ctx.Err() == nil {
			to := identifyTimeout(h.maxLat+h.rtt, 2*s.cfg.MinTimeout)
			to = max(to, h.timeout())
			id, err := Identify(ctx, h.client.WithTimeout(min(to, s.cfg.MaxTimeout)), byte(r.unit), s.cfg.Library)
			s.probes.Add(int64(id.Requests))
			if err != nil {
				d.Notes = append(d.Notes, "identification failed: "+err.Error())
			}
			d.Identity, d.Profile, d.Confidence, d.Evidence = id.Identity, id.Profile, id.Confidence, id.Evidence
		}
		devs = append(devs, d)
	}
	return devs, notes
}

func (s *tcpScanner) firstTimeout(h *tcpHostConn) time.Duration {
	if s.cfg.FirstTimeout > 0 {
		return s.cfg.FirstTimeout
	}
	return min(max(50*h.rtt, 100*time.Millisecond), s.cfg.MaxTimeout)
}

// sortTCPDevices orders devices by address (numerically), port and unit.
func sortTCPDevices(ds []Device) {
	key := func(d Device) netip.Addr {
		a, _ := netip.ParseAddr(d.Host)
		return a
	}
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := key(ds[i]), key(ds[j])
		if c := a.Compare(b); c != 0 {
			return c < 0
		}
		if ds[i].Host != ds[j].Host {
			return ds[i].Host < ds[j].Host
		}
		if ds[i].Port != ds[j].Port {
			return ds[i].Port < ds[j].Port
		}
		return ds[i].Unit < ds[j].Unit
	})
}
