package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuSample is CPU time used so far: by this process (the server under test
// and the load generator), by the PostgreSQL backends serving the scratch
// database when they run on this machine, and by the whole machine.
type cpuSample struct {
	self          time.Duration
	pg            time.Duration
	pgBackends    int
	busy, total   int64 // machine-wide jiffies from /proc/stat
	haveMachine   bool
	haveProcesses bool
}

// cpuUsage is the difference of two samples over a window.
type cpuUsage struct {
	self, pg      time.Duration
	pgBackends    int
	busyShare     float64 // of the machine's CPUs, 0..1
	haveMachine   bool
	haveProcesses bool
	windows       int // merged windows (busyShare is their mean)
}

func (u *cpuUsage) merge(o cpuUsage) {
	if o.windows == 0 {
		return
	}
	if u.windows == 0 {
		*u = o
		return
	}
	u.busyShare = (u.busyShare*float64(u.windows) + o.busyShare*float64(o.windows)) / float64(u.windows+o.windows)
	u.self += o.self
	u.pg += o.pg
	u.pgBackends = max(u.pgBackends, o.pgBackends)
	u.haveMachine = u.haveMachine && o.haveMachine
	u.haveProcesses = u.haveProcesses && o.haveProcesses
	u.windows += o.windows
}

// clockTick is USER_HZ, 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

func sampleCPU(pgDatabase string) cpuSample {
	var s cpuSample
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		fields := strings.Fields(line)
		if len(fields) > 5 && fields[0] == "cpu" {
			for i, f := range fields[1:] {
				n, _ := strconv.ParseInt(f, 10, 64)
				if i >= 8 { // guest time is already in user
					break
				}
				s.total += n
				if i != 3 && i != 4 { // idle, iowait
					s.busy += n
				}
			}
			s.haveMachine = true
		}
	}
	if pgDatabase == "" {
		return s
	}
	// A backend's title names its database: "postgres: user db host(port) state".
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		cmd, err := os.ReadFile(dir + "/cmdline")
		if err != nil || !strings.HasPrefix(string(cmd), "postgres: ") || !strings.Contains(string(cmd), " "+pgDatabase+" ") {
			continue
		}
		stat, err := os.ReadFile(dir + "/stat")
		if err != nil {
			continue
		}
		_, rest, ok := strings.Cut(string(stat), ") ")
		fields := strings.Fields(rest)
		if !ok || len(fields) < 13 {
			continue
		}
		// fields[11] and [12] are utime and stime (fields 14 and 15 of stat).
		ut, _ := strconv.ParseInt(fields[11], 10, 64)
		st, _ := strconv.ParseInt(fields[12], 10, 64)
		s.pg += time.Duration(ut+st) * clockTick
		s.pgBackends++
		s.haveProcesses = true
	}
	return s
}

func (s cpuSample) sub(o cpuSample) cpuUsage {
	u := cpuUsage{windows: 1, self: s.self - o.self, pg: s.pg - o.pg, pgBackends: s.pgBackends,
		haveMachine: s.haveMachine && o.haveMachine, haveProcesses: s.haveProcesses && o.haveProcesses}
	if d := s.total - o.total; d > 0 {
		u.busyShare = float64(s.busy-o.busy) / float64(d)
	}
	return u
}
