package modbus

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"
)

// DialOptions tune Dial and OpenTransport. The zero value works.
type DialOptions struct {
	// Timeout is the reply timeout when the target URL sets none
	// (DefaultTimeout if 0). A timeout= in the URL wins: it is the more
	// specific choice.
	Timeout time.Duration
	// ConnectTimeout bounds TCP connects and TLS handshakes (DefaultConnectTimeout if 0).
	ConnectTimeout time.Duration
	// TLSConfig is used for tcp+tls targets; nil means a default config
	// (TLS 1.2 or later, server verified against the system roots).
	TLSConfig *tls.Config
	// Tap sees every frame sent and received.
	Tap Tap
	// OpenLine, when set, opens the Line of rtu targets instead of a serial
	// port: tests and benchmarks plug the simulator's in-process line here.
	OpenLine func(ctx context.Context, target Target) (Line, error)
	// NetDial, when set, opens network connections instead of a net.Dialer.
	NetDial DialFunc
	// FrameGap and Turnaround tune RTU timing; see RTUConfig.
	FrameGap   time.Duration
	Turnaround time.Duration
}

// timeout resolves the reply timeout for target.
func (o DialOptions) timeout(target Target) time.Duration {
	switch {
	case target.Timeout > 0:
		return target.Timeout
	case o.Timeout > 0:
		return o.Timeout
	}
	return DefaultTimeout
}

// OpenTransport opens the transport a target names: the serial port (or the
// OpenLine hook) for rtu, a TCP connection for tcp, tcp+tls and rtuovertcp.
// Network targets connect now, so a wrong address fails here, and connect
// again on their own after a dropped connection.
func OpenTransport(ctx context.Context, target Target, opts DialOptions) (Transport, error) {
	timeout := opts.timeout(target)
	rtu := func(line Line, farEnd LineSettings) Transport {
		return NewRTUTransport(line, RTUConfig{
			Timeout: timeout, FrameGap: opts.FrameGap, Turnaround: opts.Turnaround,
			Echo: target.Echo, FarEnd: farEnd, Tap: opts.Tap,
		})
	}
	switch target.Scheme {
	case SchemeRTU:
		var line Line
		var err error
		if opts.OpenLine != nil {
			line, err = opts.OpenLine(ctx, target)
		} else {
			line, err = OpenSerial(target.Address, target.Line)
		}
		if err != nil {
			return nil, err
		}
		return rtu(line, target.Line), nil
	case SchemeRTUOverTCP:
		line := NewTCPLine(TCPLineConfig{Address: target.Address, ConnectTimeout: opts.ConnectTimeout, Dial: opts.NetDial})
		if err := line.Connect(ctx); err != nil {
			return nil, err
		}
		return rtu(line, target.Line), nil
	case SchemeTCP, SchemeTCPTLS:
		cfg := TCPConfig{Address: target.Address, Timeout: timeout, ConnectTimeout: opts.ConnectTimeout, Dial: opts.NetDial, Tap: opts.Tap}
		if target.Scheme == SchemeTCPTLS {
			cfg.TLS = opts.TLSConfig
			if cfg.TLS == nil {
				cfg.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
			}
		}
		tr := NewTCPTransport(cfg)
		if err := tr.Connect(ctx); err != nil {
			return nil, err
		}
		return tr, nil
	}
	return nil, &URLError{URL: target.String(), Reason: fmt.Sprintf("unknown scheme %q", target.Scheme)}
}

// Dial opens the target's transport and returns a client over it.
func Dial(ctx context.Context, target Target, opts DialOptions) (*Client, error) {
	tr, err := OpenTransport(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	return NewClient(tr, opts.timeout(target)), nil
}

// DialURL parses a target URL (see ParseURL) and dials it.
func DialURL(ctx context.Context, rawURL string, opts DialOptions) (*Client, error) {
	target, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return Dial(ctx, target, opts)
}
