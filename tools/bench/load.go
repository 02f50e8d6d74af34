package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// requestTimeout bounds one request, so a stuck server cannot stall a phase.
const requestTimeout = 30 * time.Second

// newClient is the one HTTP client every phase uses: keep-alive connections,
// at most one per load worker, no compression.
func newClient(clients int) *http.Client {
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			Proxy:               nil, // loopback only, whatever HTTP_PROXY says
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        2 * clients,
			MaxIdleConnsPerHost: clients,
			MaxConnsPerHost:     clients,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
	}
}

// loadSpec is one closed-loop load: clients workers, each sending its next
// request as soon as the previous one is answered.
type loadSpec struct {
	name     string
	clients  int
	warmup   time.Duration
	duration time.Duration
	// maxRequests bounds the phase (warm-up included) whatever the duration.
	maxRequests int64
	want        int // the only status counted as a success
	newRequest  func(ctx context.Context) (*http.Request, error)
}

// loadResult holds what the measured window (after warm-up) saw.
type loadResult struct {
	ok        int // successes completed inside the window
	errors    int // other statuses and transport errors, warm-up included
	total     int // successes over the whole phase, warm-up included
	window    time.Duration
	latencies []time.Duration // of the window's successes, sorted
	errKinds  map[string]int
	errSample string
}

// merge adds another window's answers; sort the latencies afterwards.
func (r *loadResult) merge(o loadResult) {
	r.ok += o.ok
	r.errors += o.errors
	r.total += o.total
	r.window += o.window
	r.latencies = append(r.latencies, o.latencies...)
	if r.errKinds == nil {
		r.errKinds = map[string]int{}
	}
	for k, n := range o.errKinds {
		r.errKinds[k] += n
	}
	if r.errSample == "" {
		r.errSample = o.errSample
	}
}

func (r loadResult) throughput() float64 {
	if r.window <= 0 {
		return 0
	}
	return float64(r.ok) / r.window.Seconds()
}

// percentile is the nearest-rank percentile of the sorted latencies.
func (r loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(r.latencies)))) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

func (r loadResult) errorSummary() string {
	if r.errors == 0 {
		return ""
	}
	var kinds []string
	for k, n := range r.errKinds {
		kinds = append(kinds, fmt.Sprintf("%s ×%d", k, n))
	}
	slices.Sort(kinds)
	return fmt.Sprintf("%d errors (%s); first: %s", r.errors, strings.Join(kinds, ", "), r.errSample)
}

// runLoad drives spec against the client and measures the window after the
// warm-up: answers completed inside it. Requests still in flight when the
// window ends are finished but not counted.
func runLoad(ctx context.Context, client *http.Client, spec loadSpec) loadResult {
	start := time.Now()
	measureFrom := start.Add(spec.warmup)
	end := measureFrom.Add(spec.duration)
	ctx, cancel := context.WithDeadline(ctx, end.Add(requestTimeout))
	defer cancel()

	var (
		issued atomic.Int64
		mu     sync.Mutex
		res    = loadResult{errKinds: map[string]int{}}
		wg     sync.WaitGroup
	)
	for range spec.clients {
		wg.Go(func() {
			var lat []time.Duration
			ok, total, errs := 0, 0, 0
			kinds := map[string]int{}
			sample := ""
			for ctx.Err() == nil && time.Now().Before(end) && issued.Add(1) <= spec.maxRequests {
				t0 := time.Now()
				status, body, err := do(ctx, client, spec.newRequest)
				t1 := time.Now()
				// Completions inside the window count, whenever they started.
				inWindow := !t1.Before(measureFrom) && !t1.After(end)
				if err == nil && status == spec.want {
					total++
					if inWindow {
						ok++
						lat = append(lat, t1.Sub(t0))
					}
					continue
				}
				if ctx.Err() != nil {
					break // interrupted: not the server's fault
				}
				// Errors count over the whole phase, warm-up included: any
				// one of them means the setup or the server is wrong.
				errs++
				kind := fmt.Sprint(status)
				if err != nil {
					kind = "transport error"
					body = err.Error()
				}
				kinds[kind]++
				if sample == "" {
					sample = fmt.Sprintf("%s: %.200s", kind, body)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.ok += ok
			res.total += total
			res.errors += errs
			res.latencies = append(res.latencies, lat...)
			for k, n := range kinds {
				res.errKinds[k] += n
			}
			if res.errSample == "" {
				res.errSample = sample
			}
		})
	}
	wg.Wait()
	res.window = spec.duration
	if now := time.Now(); now.Before(end) { // stopped early by maxRequests or ctx
		res.window = max(now.Sub(measureFrom), time.Millisecond)
	}
	slices.Sort(res.latencies)
	return res
}

// do sends one request and reads the whole answer.
func do(ctx context.Context, client *http.Client, newRequest func(context.Context) (*http.Request, error)) (int, string, error) {
	req, err := newRequest(ctx)
	if err != nil {
		return 0, "", err
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil && !errors.Is(err, io.EOF) {
		return res.StatusCode, "", err
	}
	return res.StatusCode, string(b), nil
}

// formPost returns a request factory for a form POST.
func formPost(url, body string) func(context.Context) (*http.Request, error) {
	return func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}
}

// httpTarget is a handler served on a loopback port of its own.
type httpTarget struct {
	URL string
	srv *http.Server
}

func serveLoopback(h http.Handler) (*httpTarget, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &httpTarget{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

func (t *httpTarget) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = t.srv.Shutdown(ctx)
}
