package hooks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/relations"
)

// ensureRefreshTimer applies snapd_refresh to core's refresh.timer as
// layer-etcd does: the leader turns the option into a timer ("max" → one
// day a month, e.g. "thu2", from yesterday's date) and shares it in leader
// data, so every unit's snapd refreshes etcd on the same day; each unit
// then sets it when its snapd has another value.
func ensureRefreshTimer(ctx context.Context, d Deps, w *world) error {
	if w.leader && w.leaderData.SnapdRefreshSource != w.cfg.SnapdRefresh {
		if err := w.setLeader(ctx, d, func(l *relations.Leader) {
			l.SnapdRefresh = refreshTimer(w.cfg.SnapdRefresh, d.Now())
			l.SnapdRefreshSource = w.cfg.SnapdRefresh
		}); err != nil {
			return err
		}
	}
	if w.leaderData.SnapdRefreshSource == "" && w.leaderData.SnapdRefresh == "" {
		return nil // the leader has not decided yet
	}
	current, err := d.Snap.Conf(ctx, "core", "refresh.timer")
	if err != nil {
		return fmt.Errorf("cannot read core's refresh.timer: %w", err)
	}
	if current == w.leaderData.SnapdRefresh {
		return nil
	}
	if err := d.Snap.SetConf(ctx, "core", "refresh.timer", w.leaderData.SnapdRefresh); err != nil {
		return fmt.Errorf("cannot set core's refresh.timer to %q: %w", w.leaderData.SnapdRefresh, err)
	}
	return nil
}

// refreshTimer turns the snapd_refresh option into a refresh.timer value.
func refreshTimer(option string, now time.Time) string {
	if option != "max" {
		return option
	}
	yesterday := now.AddDate(0, 0, -1)
	day := strings.ToLower(yesterday.Weekday().String()[:3])
	return fmt.Sprintf("%s%d", day, (yesterday.Day()-1)/7+1)
}
