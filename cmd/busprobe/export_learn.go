package main

import (
	"context"
	"fmt"
	"time"

	"github.com/busprobe/busprobe/gateway"
	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// learnPollsWithVerify is how many polls --verify learns with by default.
const learnPollsWithVerify = 3

// learnPolls resolves --learn: -1 means 3 with --verify, none without.
func (f exportFlags) learnPolls() int {
	if f.learn >= 0 {
		return f.learn
	}
	if f.verify {
		return learnPollsWithVerify
	}
	return 0
}

// learnWorkarounds polls every exported device n times with the poller and
// rebuilds the device with what the poller learned, so the config carries
// the workarounds the live device needs. A device that cannot be polled
// keeps its profile's limits, with a warning.
func learnWorkarounds(ctx context.Context, e *env, x *export, n int, timeout time.Duration) {
	for i := range x.devices {
		ex := &x.devices[i]
		d := ex.device
		learned, err := learnDevice(ctx, ex, n, timeout)
		if err != nil {
			fmt.Fprintf(e.stderr, "busprobe: warning: %s: learning skipped: %v\n", d.Name, err)
			continue
		}
		for _, r := range learned.Reasons {
			fmt.Fprintf(e.stderr, "busprobe: learned on %s: %s\n", d.Name, r)
		}
		if learned.Empty() {
			continue
		}
		w := gateway.FromLimits(learned.Limits(ex.profile.Device))
		dev, err := gateway.NewDevice(gateway.DeviceSpec{Name: d.Name, Bus: d.Bus, Unit: d.Unit, Profile: ex.profile,
			Interval: time.Duration(d.PollInterval), Workarounds: &w})
		if err != nil {
			fmt.Fprintf(e.stderr, "busprobe: warning: %s: the learned workarounds do not fit: %v\n", d.Name, err)
			continue
		}
		*d = dev
	}
}

// learnDevice polls one device n times and returns what the poller learned.
func learnDevice(ctx context.Context, ex *exported, n int, timeout time.Duration) (probes.Learned, error) {
	t, err := modbus.ParseURL(ex.url)
	if err != nil {
		return probes.Learned{}, err
	}
	if timeout > 0 {
		t.Timeout = timeout
	}
	c, err := modbus.Dial(ctx, t, modbus.DialOptions{Timeout: timeout})
	if err != nil {
		return probes.Learned{}, err
	}
	bus := probes.StartBus(ctx, probes.BusConfig{Name: ex.url, Client: c, Line: t.Line})
	defer bus.Close()
	p, err := probes.NewPoller(bus, probes.PollConfig{Unit: byte(ex.device.Unit), Profile: ex.profile, MaxSamples: n})
	if err != nil {
		return probes.Learned{}, err
	}
	if err := p.Run(ctx, func(probes.Sample) {}); err != nil && ctx.Err() == nil {
		return p.Learned(), err
	}
	return p.Learned(), nil
}
