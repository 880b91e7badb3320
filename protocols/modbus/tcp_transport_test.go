package modbus

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

const tcpTestTimeout = 150 * time.Millisecond

// newTCPTest returns a client over a TCP transport to the peer.
func newTCPTest(t *testing.T, peer *mbapPeer) (*Client, *tapLog) {
	t.Helper()
	log := &tapLog{}
	tr := NewTCPTransport(TCPConfig{Address: peer.addr(), Tap: log.tap, ConnectTimeout: time.Second})
	t.Cleanup(func() { tr.Close() })
	return NewClient(tr, tcpTestTimeout), log
}

func mbapRegs(tid uint16, unit byte, regs ...uint16) []byte {
	return EncodeMBAP(tid, unit, RegistersResponse(FuncReadHoldingRegisters, regs))
}

func TestTCPTransactions(t *testing.T) {
	tests := []struct {
		name    string
		handle  mbapHandler
		first   func(t *testing.T, regs []uint16, err error) // the first read
		second  uint16                                       // the second read's value
		note    string                                       // a tap note that must appear
		accepts int32
	}{
		{"stale transaction then the right one", func(n int, h MBAPHeader, p PDU, conn net.Conn) {
			conn.Write(mbapRegs(h.Transaction-1, h.Unit, 555))
			conn.Write(mbapRegs(h.Transaction, h.Unit, 777))
		}, func(t *testing.T, regs []uint16, err error) {
			if err != nil || regs[0] != 777 {
				t.Fatalf("first read = %v, %v; want [777]", regs, err)
			}
		}, 777, "RX:stale transaction 1", 1},
		{"late reply after a timeout", func(n int, h MBAPHeader, p PDU, conn net.Conn) {
			if n == 0 {
				time.Sleep(tcpTestTimeout + 20*time.Millisecond)
				conn.Write(mbapRegs(h.Transaction, h.Unit, 555))
				return
			}
			conn.Write(mbapRegs(h.Transaction, h.Unit, 777))
		}, func(t *testing.T, regs []uint16, err error) {
			var te *TimeoutError
			if !errors.As(err, &te) || te.Unit != 7 || te.Timeout != tcpTestTimeout {
				t.Fatalf("first read: err = %v, want a timeout naming unit 7", err)
			}
		}, 777, "RX:stale transaction 1", 1},
		{"half a frame, timeout, then the rest", func(n int, h MBAPHeader, p PDU, conn net.Conn) {
			if n == 0 {
				f := mbapRegs(h.Transaction, h.Unit, 555)
				conn.Write(f[:5])
				time.Sleep(tcpTestTimeout + 20*time.Millisecond)
				conn.Write(f[5:])
				return
			}
			conn.Write(mbapRegs(h.Transaction, h.Unit, 777))
		}, func(t *testing.T, regs []uint16, err error) {
			var te *TimeoutError
			if !errors.As(err, &te) || len(te.Partial) != 5 {
				t.Fatalf("first read: err = %v, want a timeout with 5 partial bytes", err)
			}
		}, 777, "RX:stale transaction 1", 1},
		{"dropped connection", func(n int, h MBAPHeader, p PDU, conn net.Conn) {
			if n == 0 {
				conn.Close()
				return
			}
			conn.Write(mbapRegs(h.Transaction, h.Unit, 777))
		}, func(t *testing.T, regs []uint16, err error) {
			var te *TransportError
			if !errors.As(err, &te) || te.Op != "read" || !strings.HasPrefix(err.Error(), "tcp 127.0.0.1:") {
				t.Fatalf("first read: err = %v, want a *TransportError naming the peer", err)
			}
		}, 777, "", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			peer := startMBAPPeer(t, nil, tc.handle)
			c, log := newTCPTest(t, peer)
			ctx := context.Background()
			regs, err := c.ReadHoldingRegisters(ctx, 7, 0, 1)
			tc.first(t, regs, err)
			time.Sleep(40 * time.Millisecond) // let late bytes arrive
			regs, err = c.ReadHoldingRegisters(ctx, 7, 0, 1)
			if err != nil || regs[0] != tc.second {
				t.Fatalf("second read = %v, %v; want [%d]", regs, err, tc.second)
			}
			if tc.note != "" && !log.has(tc.note) {
				t.Fatalf("tap %v lacks %q", log.notes(), tc.note)
			}
			if got := peer.accepts.Load(); got != tc.accepts {
				t.Fatalf("connections = %d, want %d", got, tc.accepts)
			}
		})
	}
}

func TestTCPReplyErrors(t *testing.T) {
	tests := []struct {
		name   string
		handle mbapHandler
		check  func(t *testing.T, err error)
	}{
		{"other unit", func(n int, h MBAPHeader, p PDU, conn net.Conn) {
			conn.Write(mbapRegs(h.Transaction, h.Unit+1, 1))
		}, func(t *testing.T, err error) {
			var ue *UnexpectedUnitError
			if !errors.As(err, &ue) || ue.Want != 7 || ue.Got != 8 {
				t.Fatalf("err = %v, want *UnexpectedUnitError", err)
			}
		}},
		{"exception", func(n int, h MBAPHeader, p PDU, conn net.Conn) {
			conn.Write(EncodeMBAP(h.Transaction, h.Unit, ExceptionPDU(p.Function, ExGatewayTargetNoResponse)))
		}, func(t *testing.T, err error) {
			var ee *ExceptionError
			if !errors.As(err, &ee) || !ee.Code.IsGateway() {
				t.Fatalf("err = %v, want gateway exception", err)
			}
		}},
		{"wrong register count", func(n int, h MBAPHeader, p PDU, conn net.Conn) {
			conn.Write(mbapRegs(h.Transaction, h.Unit, 1, 2))
		}, func(t *testing.T, err error) {
			var fe *FrameError
			if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "reply from unit 7: ") {
				t.Fatalf("err = %v, want a *FrameError naming the unit", err)
			}
		}},
		{"bad protocol ID", func(n int, h MBAPHeader, p PDU, conn net.Conn) {
			f := mbapRegs(h.Transaction, h.Unit, 1)
			f[3] = 9
			conn.Write(f)
		}, func(t *testing.T, err error) {
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *FrameError", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTCPTest(t, startMBAPPeer(t, nil, tc.handle))
			_, err := c.ReadHoldingRegisters(context.Background(), 7, 0, 1)
			tc.check(t, err)
		})
	}
}

func TestTCPContextAndConnect(t *testing.T) {
	peer := startMBAPPeer(t, nil, func(n int, h MBAPHeader, p PDU, conn net.Conn) {})
	c, _ := newTCPTest(t, peer)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if _, err := c.WithTimeout(time.Second).ReadHoldingRegisters(ctx, 1, 0, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
	// The connection is still usable after a cancellation.
	if _, err := c.ReadHoldingRegisters(context.Background(), 1, 0, 1); !errors.Is(err, ErrTimeout) {
		t.Fatalf("after cancel: err = %v, want a timeout from the silent peer", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = DialURL(context.Background(), "tcp://"+addr, DialOptions{})
	var te *TransportError
	if !errors.As(err, &te) || te.Op != "connect" || !strings.Contains(err.Error(), "tcp "+addr+": connect:") {
		t.Fatalf("dial a closed port: err = %v", err)
	}
}

// selfSignedTLS returns a server config for 127.0.0.1 and a client config trusting it.
func selfSignedTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "busprobe test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}

func TestTCPTLSAndRTUOverTCP(t *testing.T) {
	dev := newFakeDevice()
	serverTLS, clientTLS := selfSignedTLS(t)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsPeer := startMBAPPeer(t, tls.NewListener(raw, serverTLS), deviceHandler(dev))

	rtuLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rtuLn.Close() })
	go func() {
		for range 10 {
			conn, err := rtuLn.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				serveRTUConn(conn, dev)
			}()
		}
	}()

	tests := []struct {
		name string
		url  string
	}{
		{"tcp+tls", "tcp+tls://" + tlsPeer.addr() + "?timeout=500ms"},
		{"rtuovertcp", "rtuovertcp://" + rtuLn.Addr().String() + "?timeout=500ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			log := &tapLog{}
			c, err := DialURL(context.Background(), tc.url, DialOptions{TLSConfig: clientTLS, Tap: log.tap})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			regs, err := c.ReadHoldingRegisters(context.Background(), 3, 10, 2)
			if err != nil || !slices.Equal(regs, []uint16{1010, 1011}) {
				t.Fatalf("read = %v, %v", regs, err)
			}
			if got := log.notes(); !slices.Equal(got, []string{"TX", "RX"}) {
				t.Fatalf("tap = %v", got)
			}
		})
	}
}

// RTU over TCP: a dropped connection fails one request; the next reconnects.
func TestRTUOverTCPReconnect(t *testing.T) {
	dev := newFakeDevice()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan int, 10)
	go func() {
		for i := range 10 {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- i
			go func() {
				defer conn.Close()
				if i == 0 {
					conn.Read(make([]byte, 64)) // take the request, then hang up
					return
				}
				serveRTUConn(conn, dev)
			}()
		}
	}()
	c, err := DialURL(context.Background(), "rtuovertcp://"+ln.Addr().String()+"?timeout=300ms", DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.ReadHoldingRegisters(context.Background(), 1, 0, 1)
	var te *TransportError
	if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), "rtuovertcp 127.0.0.1:") {
		t.Fatalf("first read: err = %v, want a *TransportError naming the peer", err)
	}
	regs, err := c.ReadHoldingRegisters(context.Background(), 1, 0, 1)
	if err != nil || regs[0] != 1000 {
		t.Fatalf("after reconnect: %v, %v", regs, err)
	}
	if len(accepted) != 2 {
		t.Fatalf("connections = %d, want 2", len(accepted))
	}
}
