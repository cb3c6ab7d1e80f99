package charm

import (
	"fmt"

	"github.com/snapcore/snapd/timeutil"
)

// snapd_refresh is core's refresh.timer as layer-etcd sets it
// (layer-etcd-reference.md §2, §4): "max" is the charm's own value (the
// leader turns it into one day a month, see hooks' refreshTimer), "" is
// snapd's default (four times a day); anything else is a schedule in
// snapd's refresh.timer grammar. snapd's own special value "managed" is
// refused: snapd accepts it only on a device whose refreshes another snap
// manages (devicestate.CanManageRefreshes), so on any other machine it
// would fail every unit's hook, and the charm cannot tell which it is.
//
// snapd checks the timer when it is set, in core's configure step
// (overlord/configstate/configcore/refresh.go), with
// timeutil.ParseSchedule; a value it refuses fails the change, and with
// it every unit's hook. The charm checks with the same parser before the
// value goes anywhere, so a bad value is one blocked status naming the
// option. The grammar (timeutil.ParseSchedule):
//
//	eventlist  = eventset *( ",," eventset )
//	eventset   = wdaylist / timelist / wdaylist "," timelist
//	wdayset    = wday / wday DIGIT / wdayspan       ; "mon", "sat5", "mon1-wed"
//	timeset    = time / time ( "-" / "~" ) time [ "/" ( time / count ) ]
//
// for example "mon,10:00-12:00", "sat5", "00:00-24:00/4",
// "fri,sat5,10:00~12:00".

// ValidateRefreshTimer checks a snapd_refresh value; the error is a
// *ConfigError naming the option.
func ValidateRefreshTimer(option string) error {
	switch option {
	case "max", "":
		return nil
	case "managed":
		return &ConfigError{"snapd_refresh", `"managed" is snapd's value for devices whose refreshes another snap manages, which the charm cannot check; want max, empty, or a schedule such as fri5,23:00-01:00`}
	}
	if _, err := timeutil.ParseSchedule(option); err != nil {
		return &ConfigError{"snapd_refresh", fmt.Sprintf("%q is not a snapd refresh.timer (%v); want max, empty, or a schedule such as fri5,23:00-01:00", option, err)}
	}
	return nil
}
