package snapd

import "time"

// systemd's defaults for a unit that sets neither (snapd's generated units
// for snap services do not): DefaultStartLimitIntervalSec=10s and
// DefaultStartLimitBurst=5 (systemd-system.conf(5)).
const (
	DefaultStartLimitInterval = 10 * time.Second
	DefaultStartLimitBurst    = 5
)

// startLimit is systemd's unit start rate limit (src/basic/ratelimit.c):
// the first start opens a window of interval; at most burst starts are
// allowed in it, manual or automatic. A unit over the limit fails with
// result "start-limit-hit" and Restart= no longer applies; a start after
// the window has passed (or systemctl reset-failed) begins a new window.
// An interval of 0 disables the limit (StartLimitIntervalSec=0).
type startLimit struct {
	interval time.Duration
	burst    int
	begin    time.Time
	num      int
}

// allow records a start attempt at now and reports whether it may run.
func (l *startLimit) allow(now time.Time) bool {
	if l.interval <= 0 || l.burst <= 0 {
		return true
	}
	if l.begin.IsZero() || now.Sub(l.begin) > l.interval {
		l.begin, l.num = now, 0
	}
	if l.num < l.burst {
		l.num++
		return true
	}
	return false
}

// reset is systemctl reset-failed.
func (l *startLimit) reset() { l.begin, l.num = time.Time{}, 0 }

// newStartLimit applies the defaults: zero values are systemd's, a
// negative interval disables the limit.
func newStartLimit(interval time.Duration, burst int) startLimit {
	if interval == 0 {
		interval = DefaultStartLimitInterval
	}
	if burst <= 0 {
		burst = DefaultStartLimitBurst
	}
	return startLimit{interval: interval, burst: burst}
}
