package workload

import (
	"context"
	"errors"
	"testing"
)

// journal is a Journal whose next answers are queued.
type journal struct {
	answers [][]string
	err     error
}

func (j *journal) Logs(ctx context.Context, service string, n int) ([]string, error) {
	if j.err != nil {
		return nil, j.err
	}
	lines := j.answers[0]
	j.answers = j.answers[1:]
	return lines, nil
}

// Only a fatal record etcd wrote after the lines seen before a restart
// counts: an old one in the journal says nothing of the new etcd.
func TestEtcdFatalSince(t *testing.T) {
	old := `{"level":"fatal","msg":"member has already been bootstrapped"}`
	for _, tc := range []struct {
		name          string
		before, after []string
		want          string
	}{
		{"nothing new", []string{old}, []string{old}, ""},
		{"an old fatal is not the new etcd's", []string{old}, []string{old, `{"level":"info","msg":"ready to serve"}`}, ""},
		{"a new fatal", []string{`{"level":"info","msg":"stopping"}`}, []string{`{"level":"info","msg":"stopping"}`, `{"level":"fatal","msg":"discovery failed"}`}, "discovery failed"},
		{"nothing read before: every line is new", nil, []string{old}, "member has already been bootstrapped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := &journal{answers: [][]string{tc.before, tc.after}}
			seen, err := EtcdLogged(context.Background(), j)
			if err != nil {
				t.Fatal(err)
			}
			got, err := EtcdFatalSince(context.Background(), j, seen)
			if err != nil || got != tc.want {
				t.Errorf("EtcdFatalSince = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestEtcdLogUnreadable(t *testing.T) {
	j := &journal{err: errors.New("journal gone")}
	if seen, err := EtcdLogged(context.Background(), j); seen != nil || err == nil {
		t.Errorf("EtcdLogged = %v, %v; want nil and the error", seen, err)
	}
	if got, err := EtcdFatalSince(context.Background(), j, nil); got != "" || err == nil {
		t.Errorf("EtcdFatalSince = %q, %v; want nothing and the error", got, err)
	}
}
