package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// The device screen polls with probes.Poller, the engine of `busprobe
// watch`. A device session (DeviceModel.Open to Close) has one probes.Bus
// on the pool's connection; each run of a poller on it (started on
// opening, on resuming after a pause, on a word order change) has an ID,
// and a goroutine that runs Poller.Run and hands the samples, tagged with
// that ID, to a "wait for the next sample" command which Update
// re-issues after each one. Samples of an earlier run are dropped.

// pollRun is the poller run of the device screen.
type pollRun struct {
	id   int
	feed <-chan tea.Msg // pollSampleMsg, then pollEndedMsg on a failure; closed when the run ends
	// cancel stops the run at once (the device is left, a new run starts).
	cancel context.CancelFunc
	// pause stops it after the poll under way: a request abandoned on the
	// wire would leave its late reply on the line.
	pause context.CancelFunc
}

// startRun stops the run under way and starts polling with the profile
// as it is now, from what earlier runs learned. The poller itself is set
// up and run by the returned command.
func (m DeviceModel) startRun() (DeviceModel, tea.Cmd) {
	m = m.stopRun()
	if m.bus == nil || m.prof == nil {
		return m, nil
	}
	m.runs++
	ctx, cancel := context.WithCancel(m.ctx)
	pauseCtx, pause := context.WithCancel(ctx)
	feed := make(chan tea.Msg, 1)
	m.run = pollRun{id: m.runs, feed: feed, cancel: cancel, pause: pause}
	cfg := probes.PollConfig{Unit: byte(m.dev.Unit), Profile: m.prof, Interval: m.common.pollInterval(), Learned: m.learned}
	return m, startPollCmd(ctx, pauseCtx, cancel, m.runs, m.bus, cfg, feed)
}

// stopRun cancels the run under way; its samples no longer count.
func (m DeviceModel) stopRun() DeviceModel {
	if m.run.cancel != nil {
		m.run.cancel()
	}
	m.run = pollRun{}
	return m
}

// pauseRun lets the run end after the poll under way.
func (m DeviceModel) pauseRun() DeviceModel {
	if m.run.pause != nil {
		m.run.pause()
	}
	return m
}

// startPollCmd sets up the poller, starts running it on its own goroutine
// and returns its first message (so the command lasts as long as the
// first poll does).
func startPollCmd(ctx, pauseCtx context.Context, cancel context.CancelFunc, run int, bus *probes.Bus,
	cfg probes.PollConfig, feed chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		p, err := probes.NewPoller(bus, cfg)
		if err != nil {
			cancel()
			close(feed)
			return pollEndedMsg{run: run, err: err}
		}
		go pump(ctx, pauseCtx, cancel, run, p, cfg.Interval, feed)
		return <-feed
	}
}

// waitPollCmd waits for the run's next message (nil once the run ended).
func waitPollCmd(feed <-chan tea.Msg) tea.Cmd {
	if feed == nil {
		return nil
	}
	return func() tea.Msg { return <-feed }
}

// pump runs the poller until ctx ends, handing every sample to feed (a
// slow reader delays the next poll, which the poller reports as a gap).
// When pauseCtx ends between two polls the run stops at once; during a
// poll, once the poll is done.
func pump(ctx, pauseCtx context.Context, cancel context.CancelFunc, run int, p *probes.Poller,
	interval time.Duration, feed chan<- tea.Msg) {
	defer close(feed)
	defer cancel()
	var mu sync.Mutex
	var next time.Time // when the next poll starts; zero during the first
	stopping := false
	context.AfterFunc(pauseCtx, func() {
		mu.Lock()
		defer mu.Unlock()
		if time.Now().Before(next) {
			cancel()
		} else {
			stopping = true
		}
	})
	send := func(msg tea.Msg) {
		select {
		case feed <- msg:
		case <-ctx.Done():
		}
	}
	err := p.Run(ctx, func(s probes.Sample) {
		msg := pollSampleMsg{run: run, sample: s}
		if len(s.Notes) > 0 {
			l := p.Learned()
			msg.learned = &l
		}
		send(msg)
		if s.IsGap() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if stopping {
			cancel()
		}
		next = s.Time.Add(interval)
	})
	if err != nil {
		send(pollEndedMsg{run: run, err: err})
	}
}

// sharedOpen is the Open of a device session's bus: it borrows the pool's
// client of url, so writes, snapshots and the monitor share the
// connection, and the bus closing (when the session ends) leaves it open.
// A re-open follows a line failure: the pool's client is dropped first, so
// that it is dialled again.
func sharedOpen(pool *ClientPool, url string) func(context.Context) (*modbus.Client, error) {
	opened := false // only the job holding the bus's line calls Open
	return func(ctx context.Context) (*modbus.Client, error) {
		if opened {
			pool.Drop(url)
		}
		c, err := pool.Get(ctx, url)
		if err != nil {
			return nil, err
		}
		opened = true
		return modbus.NewClient(borrowed{c.Transport()}, c.Timeout()), nil
	}
}

// borrowed is a transport its user must not close.
type borrowed struct{ modbus.Transport }

// Close leaves the transport open: it belongs to the pool.
func (borrowed) Close() error { return nil }

// applySample takes in one sample of the current run.
func (m DeviceModel) applySample(msg pollSampleMsg) DeviceModel {
	s := msg.sample
	if msg.learned != nil {
		m.learned = *msg.learned
		m.note = "learned: " + strings.Join(s.Notes, "; ")
	}
	if s.IsGap() {
		return m
	}
	m.polls++
	m.now = s.Time
	m.last = s
	m.stats = s.Bus
	if s.OK == 0 && len(s.Points) > 0 {
		m.failed++
	}
	m.rows = append([]pointState(nil), m.rows...)
	for _, ps := range s.Points {
		i, ok := m.byName[ps.Name]
		if !ok {
			continue
		}
		r := m.rows[i]
		if ps.Err != nil { // the row keeps the last good value, shown stale in time
			r.failed, r.err = true, ps.Err.Error()
		} else {
			r.failed, r.err = false, ""
			r = observe(r, ps.Value, ps.Updated)
		}
		m.rows[i] = r
	}
	return m
}

// statsText formats the session's figures for the status line:
// "p50 3.4ms p95 5.1ms · timeouts 0 · exceptions 02×3 · line use 1.2%".
func statsText(st probes.Stats) string {
	exc := "none"
	if len(st.Exceptions) > 0 {
		codes := make([]string, 0, len(st.Exceptions))
		for c, n := range st.Exceptions {
			codes = append(codes, fmt.Sprintf("%s×%d", c, n))
		}
		sort.Strings(codes)
		exc = strings.Join(codes, " ")
	}
	ms := func(v float64) string { return msText(time.Duration(v * float64(time.Millisecond))) }
	return fmt.Sprintf("p50 %s p95 %s · timeouts %d · exceptions %s · line use %.1f%%",
		ms(st.P50MS), ms(st.P95MS), st.Timeouts, exc, 100*st.Utilisation)
}
