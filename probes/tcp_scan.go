package probes

import (
	"context"
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
