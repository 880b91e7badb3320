package sim

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// Endpoint is where a running bus is reached.
type Endpoint struct {
	Bus  string
	Kind BusKind
	// URL is the target address busprobe takes: tcp://127.0.0.1:PORT,
	// rtuovertcp://127.0.0.1:PORT, or rtu:///dev/pts/N?baud=9600&parity=N&stop=1.
	// It is empty for an RTU bus served in-process only (use Running.Line).
	URL string
	// Address is the host:port, pty slave path or serial port path.
	Address string
	Framing Framing             // tcp buses
	Line    modbus.LineSettings // rtu buses, and rtu-framed gateways given a line
	Units   []byte              // the unit IDs on the bus
	// SniffPath and SniffURL are the listen-only pty of an RTU bus with Sniff
	// (empty otherwise): it shows every request and reply as the line carries them.
	SniffPath string
	SniffURL  string
	// Profiles maps the units built from a profile to the profile's ID.
	Profiles map[byte]string
}

// Running is a started plant. Close releases everything it holds.
type Running struct {
	endpoints []Endpoint
	rtu       map[string]*RTUBus
	cores     map[string]*core
	closers   []func() error
	stop      chan struct{}
	wg        sync.WaitGroup
	once      sync.Once
	err       error
}

// Start validates the plant, builds its devices and serves every bus: TCP
// gateways listen, RTU buses get a pty pair (or their serial port). When ctx
// is done the plant closes itself; Close does it at once.
func Start(ctx context.Context, p Plant, opts ...Option) (*Running, error) {
	o := buildOptions(opts)
	if err := p.validate(o); err != nil {
		return nil, fmt.Errorf("sim: start plant %q: %w", p.Name, err)
	}
	r := &Running{rtu: map[string]*RTUBus{}, cores: map[string]*core{}, stop: make(chan struct{})}
	for i := range p.Buses {
		if err := r.startBus(&p.Buses[i], o); err != nil {
			r.shutdown()
			return nil, err
		}
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case <-ctx.Done():
			r.shutdown()
		case <-r.stop:
		}
	}()
	return r, nil
}

// startBus builds and serves one bus.
func (r *Running) startBus(b *Bus, o options) error {
	ep := Endpoint{Bus: b.Name, Kind: b.Kind}
	switch b.Kind {
	case BusTCP:
		c := newCore(b, o)
		srv, err := serveTCP(b, c)
		if err != nil {
			return err
		}
		r.cores[b.Name] = c
		r.closers = append(r.closers, srv.close)
		ep.Address, ep.Framing, ep.Units = srv.addr(), srv.framing, c.units()
		ep.URL = "tcp://" + ep.Address
		if srv.framing == FramingRTU {
			ep.URL = "rtuovertcp://" + ep.Address
		}
		if b.Line != nil {
			ep.Line = b.Line.Settings()
		}
	case BusRTU:
		bus := newRTUBus(b, o)
		r.rtu[b.Name], r.cores[b.Name] = bus, bus.core
		ep.Line, ep.Units = bus.line, bus.Units()
		switch b.Serve {
		case "", ServePty:
			srv, err := servePty(bus)
			if err != nil {
				return err
			}
			r.closers = append(r.closers, srv.close)
			ep.Address = srv.path
			if srv.sniff != nil {
				ep.SniffPath, ep.SniffURL = srv.sniff.path, rtuURL(srv.sniff.path, bus.line)
			}
		case ServeSerial:
			srv, err := serveSerial(bus, b.Port)
			if err != nil {
				return err
			}
			r.closers = append(r.closers, srv.close)
			ep.Address = b.Port
		}
		if ep.Address != "" {
			ep.URL = rtuURL(ep.Address, bus.line)
		}
	}
	ep.Profiles = r.cores[b.Name].profiles()
	r.endpoints = append(r.endpoints, ep)
	return nil
}

// rtuURL formats rtu:///dev/pts/3?baud=9600&parity=N&stop=1.
func rtuURL(path string, l modbus.LineSettings) string {
	q := url.Values{}
	q.Set("baud", strconv.Itoa(l.Baud))
	q.Set("parity", l.Parity)
	q.Set("stop", strconv.Itoa(l.StopBits))
	if l.DataBits != 8 {
		q.Set("databits", strconv.Itoa(l.DataBits))
	}
	u := url.URL{Scheme: "rtu", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Endpoints returns every bus's endpoint, in plant order.
func (r *Running) Endpoints() []Endpoint { return append([]Endpoint(nil), r.endpoints...) }

// Endpoint returns the endpoint of the named bus.
func (r *Running) Endpoint(bus string) (Endpoint, bool) {
	for _, e := range r.endpoints {
		if e.Bus == bus {
			return e, true
		}
	}
	return Endpoint{}, false
}

// RTUBus returns the named RTU bus, to reach it with NewLine.
func (r *Running) RTUBus(name string) (*RTUBus, bool) {
	b, ok := r.rtu[name]
	return b, ok
}

// Line opens an in-process line to the named RTU bus for a client at settings client.
func (r *Running) Line(bus string, client modbus.LineSettings) (*Line, error) {
	b, ok := r.rtu[bus]
	if !ok {
		return nil, fmt.Errorf("sim: no rtu bus %q in the plant", bus)
	}
	return NewLine(b, client), nil
}

// Stats returns the named bus's counters.
func (r *Running) Stats(bus string) (Stats, bool) {
	c, ok := r.cores[bus]
	if !ok {
		return Stats{}, false
	}
	return c.snapshot(), true
}

// Device returns the device at unit on the named bus.
func (r *Running) Device(bus string, unit byte) (*Device, bool) {
	c, ok := r.cores[bus]
	if !ok {
		return nil, false
	}
	d, ok := c.devices[unit]
	return d, ok
}

// Close stops every bus, closes listeners, connections and ptys, and waits
// for every goroutine the plant started. It is safe to call more than once.
func (r *Running) Close() error {
	r.shutdown()
	r.wg.Wait()
	return r.err
}

// shutdown closes everything once; it does not wait for the ctx watcher.
func (r *Running) shutdown() {
	r.once.Do(func() {
		close(r.stop)
		var errs []error
		for i := len(r.closers) - 1; i >= 0; i-- {
			if err := r.closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			r.err = fmt.Errorf("sim: close plant: %w", errors.Join(errs...))
		}
	})
}
