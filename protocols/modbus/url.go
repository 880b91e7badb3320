package modbus

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Target schemes.
const (
	SchemeTCP        = "tcp"        // Modbus/TCP (MBAP), default port 502
	SchemeTCPTLS     = "tcp+tls"    // Modbus/TCP security, default port 802
	SchemeRTU        = "rtu"        // RTU on a serial port
	SchemeRTUOverTCP = "rtuovertcp" // RTU frames over TCP to a serial device server
)

// Default ports and serial settings of target URLs.
const (
	DefaultTCPPort = "502"
	DefaultTLSPort = "802"
	DefaultBaud    = 9600
)

// Target is a parsed target URL.
type Target struct {
	Scheme  string       // one of the Scheme constants
	Address string       // host:port, or the serial device path for rtu
	Line    LineSettings // rtu: the port's format; rtuovertcp: the far end's, Baud 0 when not given
	Timeout time.Duration
	Echo    EchoMode // rtu and rtuovertcp: RS-485 echo handling
}

// URLError is a target URL that cannot be used, with the reason.
type URLError struct {
	URL    string
	Reason string
}

// Error formats as `target "URL": REASON`.
func (e *URLError) Error() string { return fmt.Sprintf("target %q: %s", e.URL, e.Reason) }

// ParseURL parses a target address:
//
//	tcp://host[:port]          Modbus/TCP, port 502 by default
//	tcp+tls://host[:port]      Modbus/TCP over TLS, port 802 by default
//	rtuovertcp://host:port     RTU framing over TCP (serial device server)
//	rtu:///dev/ttyUSB0         serial RTU (rtu://COM3 on Windows)
//
// Query parameters: timeout (a Go duration such as 250ms, or a number of
// milliseconds) on every scheme; baud, parity (N, E, O, or none, even, odd),
// stop (1, 2), databits (7, 8) and echo (auto, on, off) on rtu and
// rtuovertcp. rtu defaults to 9600 8N1 (parity N is what most RS-485
// installations and the test peers use; a mismatch shows as garbage, which
// the scanner reports). For rtuovertcp the serial settings describe the far
// end and only tune timing; they default to unknown. Unknown parameters are
// errors, so a typo never goes unnoticed.
func ParseURL(raw string) (Target, error) {
	bad := func(format string, args ...any) (Target, error) {
		return Target{}, &URLError{URL: raw, Reason: fmt.Sprintf(format, args...)}
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return bad("empty target")
	}
	if !strings.Contains(s, "://") {
		if strings.HasPrefix(s, "/") || strings.HasPrefix(strings.ToUpper(s), "COM") {
			return bad("missing scheme: did you mean rtu://%s?", s)
		}
		return bad("missing scheme: did you mean tcp://%s?", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("%v", unwrapURLErr(err))
	}
	t := Target{Scheme: strings.ToLower(u.Scheme)}
	switch t.Scheme {
	case SchemeTCP, SchemeTCPTLS, SchemeRTUOverTCP:
		if t.Address, err = hostPort(u, t.Scheme); err != nil {
			return bad("%v", err)
		}
	case SchemeRTU:
		switch {
		case u.Host == "" && u.Path != "" && u.Path != "/":
			t.Address = u.Path
		case u.Host != "" && (u.Path == "" || u.Path == "/"):
			t.Address = u.Host // rtu://COM3
		case u.Host != "":
			return bad("a serial device takes three slashes: rtu:///%s%s", u.Host, u.Path)
		default:
			return bad("missing serial device, as in rtu:///dev/ttyUSB0")
		}
		t.Line = LineSettings{Baud: DefaultBaud, DataBits: 8, Parity: "N", StopBits: 1}
	default:
		return bad("unknown scheme %q (want tcp, tcp+tls, rtu or rtuovertcp)", u.Scheme)
	}
	if u.User != nil || u.Fragment != "" {
		return bad("user info and fragments are not allowed")
	}
	if err := parseQuery(&t, u.Query()); err != nil {
		return bad("%v", err)
	}
	return t, nil
}

func unwrapURLErr(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// hostPort returns host:port of a network target, adding the default port.
func hostPort(u *url.URL, scheme string) (string, error) {
	if u.Path != "" && u.Path != "/" {
		return "", fmt.Errorf("unexpected path %q after the address", u.Path)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return "", fmt.Errorf("missing host, as in %s://10.0.0.5:502", scheme)
	}
	if port == "" {
		switch scheme {
		case SchemeTCP:
			port = DefaultTCPPort
		case SchemeTCPTLS:
			port = DefaultTLSPort
		default:
			return "", fmt.Errorf("%s needs a port (serial device servers use no standard one), as in %s://%s:4001", scheme, scheme, host)
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q out of range 1..65535", port)
	}
	return net.JoinHostPort(host, port), nil
}

// parseQuery applies the query parameters to t.
func parseQuery(t *Target, q url.Values) error {
	serial := t.Scheme == SchemeRTU || t.Scheme == SchemeRTUOverTCP
	for key, vals := range q {
		if len(vals) != 1 {
			return fmt.Errorf("parameter %q given %d times", key, len(vals))
		}
		v := vals[0]
		if key != "timeout" && !serial {
			return fmt.Errorf("unknown parameter %q for %s (only timeout)", key, t.Scheme)
		}
		var err error
		switch key {
		case "timeout":
			t.Timeout, err = parseTimeout(v)
		case "baud":
			t.Line.Baud, err = parseInt(key, v, 1, 4000000)
		case "databits":
			t.Line.DataBits, err = parseInt(key, v, 7, 8)
		case "stop":
			t.Line.StopBits, err = parseInt(key, v, 1, 2)
		case "parity":
			t.Line.Parity, err = parseParity(v)
		case "echo":
			t.Echo, err = parseEcho(v)
		default:
			err = fmt.Errorf("unknown parameter %q (want baud, parity, stop, databits, timeout or echo)", key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func parseInt(key, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s %q must be a number in %d..%d", key, v, lo, hi)
	}
	return n, nil
}

func parseTimeout(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("timeout %q must be a positive duration such as 250ms", v)
	}
	return d, nil
}

func parseParity(v string) (string, error) {
	switch strings.ToLower(v) {
	case "n", "none":
		return "N", nil
	case "e", "even":
		return "E", nil
	case "o", "odd":
		return "O", nil
	}
	return "", fmt.Errorf("parity %q must be N, E or O", v)
}

func parseEcho(v string) (EchoMode, error) {
	switch strings.ToLower(v) {
	case "auto":
		return EchoAuto, nil
	case "on", "true", "1":
		return EchoOn, nil
	case "off", "false", "0":
		return EchoOff, nil
	}
	return EchoAuto, fmt.Errorf("echo %q must be auto, on or off", v)
}

// String formats the target back as a URL, with the serial settings of an
// rtu target (e.g. "rtu:///dev/ttyUSB0?baud=9600&parity=N&stop=1&databits=8").
func (t Target) String() string {
	var b strings.Builder
	b.WriteString(t.Scheme + "://" + t.Address) // a device path adds the third slash
	var q []string
	if t.Line.Baud > 0 {
		l := normalizeSettings(t.Line)
		q = append(q, fmt.Sprintf("baud=%d&parity=%s&stop=%d&databits=%d", l.Baud, l.Parity, l.StopBits, l.DataBits))
	}
	if t.Echo != EchoAuto {
		q = append(q, "echo="+t.Echo.String())
	}
	if t.Timeout > 0 {
		q = append(q, "timeout="+t.Timeout.String())
	}
	if len(q) > 0 {
		b.WriteString("?" + strings.Join(q, "&"))
	}
	return b.String()
}
