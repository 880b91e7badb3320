package probes

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/busprobe/busprobe/profiles"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// BusConfig configures a Bus.
type BusConfig struct {
	// Name names the bus in errors and status, e.g. the target URL.
	Name string
	// Open opens (or re-opens) the line: it is called for the first request
	// when Client is nil, and again after a line failure, with backoff.
	Open func(ctx context.Context) (*modbus.Client, error)
	// Client is an already open line (optional).
	Client *modbus.Client
	// Line is the serial character format, for wire time and utilisation;
	// Baud 0 (TCP) measures utilisation as time spent inside requests.
	Line modbus.LineSettings
	// Backoff is the first wait before re-opening a failed line (200 ms if
	// 0); it doubles on every failed attempt up to MaxBackoff (5 s if 0).
	Backoff, MaxBackoff time.Duration
	// ConnectTimeout bounds one Open call (5 s if 0).
	ConnectTimeout time.Duration
}

// BusStatus says whether the line is usable and what happened to it.
type BusStatus struct {
	Up         bool      `json:"up"`
	Since      time.Time `json:"since"`                // when the line went up or down
	LastError  string    `json:"last_error,omitempty"` // why it is (or last was) down
	Reconnects int       `json:"reconnects"`           // times the line was re-opened after a failure
}

// BusDownError is a request that was not sent because the line is down
// and the next attempt to re-open it is not due yet (or failed).
type BusDownError struct {
	Bus   string
	Since time.Time // when the line went down
	Err   error     // the failure that took it down, or the last open error
}

// Error formats as "tcp://…: line down since 14:03:22.120: connect: connection refused".
func (e *BusDownError) Error() string {
	return fmt.Sprintf("%s: line down since %s: %v", e.Bus, e.Since.Format("15:04:05.000"), e.Err)
}

// Unwrap returns the failure.
func (e *BusDownError) Unwrap() error { return e.Err }

// Bus owns one line (a serial port or a TCP connection) and serialises
// access to it: one job at a time (a device's whole poll) has the line, so
// several Pollers (several devices on one RS-485 segment or behind one
// gateway) share it without interleaving their requests.
// After a line failure (a *modbus.TransportError: dropped connection,
// unplugged USB adapter) the line is closed and re-opened with backoff;
// requests in between fail at once with a *BusDownError.
type Bus struct {
	cfg   BusConfig
	token chan struct{} // holds one value while no job has the line
	stats *statsRecorder
	done  chan struct{}
	once  sync.Once

	mu     sync.Mutex // guards status (read by Status from any goroutine)
	status BusStatus

	// Owned by the job that holds the token.
	client  *modbus.Client
	backoff time.Duration
	nextTry time.Time
	downErr error
	everUp  bool // the line was open once: a later open is a reconnect
}

// busResult is a read's answer and what it cost.
type busResult struct {
	regs     []uint16
	bits     []bool
	err      error
	latency  time.Duration
	lineTime time.Duration
	end      time.Time // when the reply (or timeout) ended
	sent     bool      // the request went out (false: the line was down)
}

// StartBus returns a bus; it stops when ctx ends or Close is called.
func StartBus(ctx context.Context, cfg BusConfig) *Bus {
	if cfg.Backoff <= 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	b := &Bus{cfg: cfg, token: make(chan struct{}, 1), stats: newStatsRecorder(), done: make(chan struct{}),
		client: cfg.Client, backoff: cfg.Backoff, everUp: cfg.Client != nil}
	b.status = BusStatus{Up: cfg.Client != nil, Since: time.Now()}
	b.token <- struct{}{}
	context.AfterFunc(ctx, func() { _ = b.Close() })
	return b
}

// Close waits for the job on the line to end, then closes the line; later
// jobs fail with modbus.ErrClosed.
func (b *Bus) Close() error {
	b.once.Do(func() {
		close(b.done)
		<-b.token // the line is ours: no job runs, none will
		if b.client != nil {
			_ = b.client.Close()
			b.client = nil
		}
	})
	return nil
}

// Status returns the line's state.
func (b *Bus) Status() BusStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// Stats returns the bus's figures: every request of every device.
func (b *Bus) Stats() Stats { return b.stats.snapshot() }

// Name returns the bus's name.
func (b *Bus) Name() string { return b.cfg.Name }

// Line returns the bus's serial settings (Baud 0 for TCP).
func (b *Bus) Line() modbus.LineSettings { return b.cfg.Line }

// exec runs fn with the line to itself and waits for it: fn sends its
// requests with serve, and no other job's request comes between them. The
// job runs on the caller's goroutine, which owns the bus while it holds
// the token (a hand-over to a dedicated goroutine cost a third of the poll
// rate on loopback). It fails without running fn when ctx ends or the bus
// closes first.
func (b *Bus) exec(ctx context.Context, fn func()) error {
	select {
	case <-b.done:
		return modbus.ErrClosed
	default:
	}
	select {
	case <-b.token:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.done:
		return modbus.ErrClosed
	}
	defer func() { b.token <- struct{}{} }()
	select {
	case <-b.done: // closed while we waited: Close is waiting for the token
		return modbus.ErrClosed
	default:
	}
	fn()
	return nil
}

// serve sends one read; it runs inside a job (exec), which owns the line. It
// (re-)opens the line when due, and takes the line down on a line failure.
func (b *Bus) serve(ctx context.Context, unit byte, req profiles.Request) busResult {
	if err := ctx.Err(); err != nil {
		return busResult{err: err}
	}
	if b.client == nil {
		if err := b.reopen(ctx); err != nil {
			return busResult{err: err}
		}
	}
	start := time.Now()
	regs, bits, err := busReadRequest(ctx, b.client, unit, req)
	end := time.Now()
	lat := end.Sub(start)
	lineTime := lat
	if b.cfg.Line.Baud > 0 {
		lineTime = pollWireTime(b.cfg.Line, req.Table.IsBit(), req.Count, err)
	}
	if ctx.Err() == nil || err == nil {
		b.stats.request(err, lat, lineTime)
	}
	if err != nil && isLineFailure(err) {
		b.lineDown(err)
	}
	return busResult{regs: regs, bits: bits, err: err, latency: lat, lineTime: lineTime, end: end, sent: true}
}

// isLineFailure reports whether err is a failure of the line itself.
func isLineFailure(err error) bool {
	_, te := errors.AsType[*modbus.TransportError](err)
	return te || errors.Is(err, modbus.ErrClosed)
}

// lineDown closes the line after a failure and schedules a re-open.
func (b *Bus) lineDown(err error) {
	_ = b.client.Close()
	b.client, b.downErr = nil, err
	b.backoff = b.cfg.Backoff
	b.nextTry = time.Now().Add(b.backoff)
	b.setStatus(false, err)
}

// reopen opens the line if the backoff has passed; it returns a
// *BusDownError while the line stays down.
func (b *Bus) reopen(ctx context.Context) error {
	now := time.Now()
	if now.Before(b.nextTry) || b.cfg.Open == nil {
		return b.downError()
	}
	octx, cancel := context.WithTimeout(ctx, b.cfg.ConnectTimeout)
	c, err := b.cfg.Open(octx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b.downErr = err
		b.nextTry = time.Now().Add(b.backoff)
		b.backoff = min(2*b.backoff, b.cfg.MaxBackoff)
		b.setStatus(false, err)
		return b.downError()
	}
	b.client, b.downErr = c, nil
	b.backoff = b.cfg.Backoff
	b.setStatus(true, nil)
	if b.everUp {
		b.mu.Lock()
		b.status.Reconnects++
		b.mu.Unlock()
	}
	b.everUp = true
	return nil
}

// downError describes the line being down.
func (b *Bus) downError() error {
	b.mu.Lock()
	since := b.status.Since
	b.mu.Unlock()
	err := b.downErr
	if err == nil {
		err = errors.New("not open")
	}
	return &BusDownError{Bus: b.cfg.Name, Since: since, Err: err}
}

// setStatus records a change of state (keeping Since when nothing changed).
func (b *Bus) setStatus(up bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.status.Up != up {
		b.status.Up, b.status.Since = up, time.Now()
	}
	if err != nil {
		b.status.LastError = err.Error()
	}
}

// busReadRequest sends a planned request with the function of its table.
func busReadRequest(ctx context.Context, c *modbus.Client, unit byte, req profiles.Request) ([]uint16, []bool, error) {
	addr, n := req.Address, uint16(req.Count)
	var regs []uint16
	var bits []bool
	var err error
	switch req.Table {
	case profiles.TableHolding:
		regs, err = c.ReadHoldingRegisters(ctx, unit, addr, n)
	case profiles.TableInput:
		regs, err = c.ReadInputRegisters(ctx, unit, addr, n)
	case profiles.TableCoil:
		bits, err = c.ReadCoils(ctx, unit, addr, n)
	case profiles.TableDiscrete:
		bits, err = c.ReadDiscreteInputs(ctx, unit, addr, n)
	default:
		return nil, nil, fmt.Errorf("no read function for table %s", req.Table)
	}
	if err == nil && len(regs)+len(bits) < req.Count {
		err = fmt.Errorf("answer holds %d values, asked for %d", len(regs)+len(bits), req.Count)
	}
	return regs, bits, err
}
