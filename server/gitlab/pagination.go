package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kickoff-ci/kickoff"
	"github.com/kickoff-ci/kickoff/server/httpjson"
)

// Pagination defaults and bounds of GitLab's REST API.
const (
	defaultPerPage = 20
	maxPerPage     = 100
)

// page is a GitLab offset page: ?page=N&per_page=M.
type page struct {
	Page, PerPage int
}

func (p page) offset() int { return (p.Page - 1) * p.PerPage }

// parsePage reads page and per_page; per_page above 100 is clamped as
// GitLab does, nonsense is a 400.
func parsePage(r *http.Request) (page, error) {
	p := page{Page: 1, PerPage: defaultPerPage}
	q := r.URL.Query()
	for name, dst := range map[string]*int{"page": &p.Page, "per_page": &p.PerPage} {
		raw := q.Get(name)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1_000_000 {
			return page{}, kickoff.Errorf(kickoff.EInvalid, "%s is invalid", name)
		}
		*dst = n
	}
	p.PerPage = min(p.PerPage, maxPerPage)
	return p, nil
}

// writeHeaders sets GitLab's pagination headers: X-Total, X-Total-Pages,
// X-Page, X-Per-Page, X-Next-Page, X-Prev-Page and Link.
func (p page) writeHeaders(w http.ResponseWriter, r *http.Request, base *url.URL, total int) {
	pages := max(1, (total+p.PerPage-1)/p.PerPage)
	h := w.Header()
	h.Set("X-Total", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Page", strconv.Itoa(p.Page))
	h.Set("X-Per-Page", strconv.Itoa(p.PerPage))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	var links []string
	link := func(rel string, n int) {
		u := *base
		u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(p.PerPage))
		u.RawQuery = q.Encode()
		links = append(links, fmt.Sprintf("<%s>; rel=%q", u.String(), rel))
	}
	if p.Page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(p.Page-1))
		link("prev", p.Page-1)
	}
	if p.Page < pages {
		h.Set("X-Next-Page", strconv.Itoa(p.Page+1))
		link("next", p.Page+1)
	}
	link("first", 1)
	link("last", pages)
	h.Set("Link", strings.Join(links, ", "))
}

// listPage is one page of a GitLab list: count counts every item, load
// loads the page's items (offset, limit), render turns one into JSON.
type listPage[T, J any] struct {
	count  func(ctx context.Context) (int, error)
	load   func(ctx context.Context, offset, limit int) ([]T, error)
	render func(T) (J, error)
}

// writeList answers a paginated GitLab list: page and per_page from the
// query, X-Total/Link headers, the page as a JSON array. The caller has
// authorized the list first, so who may not list learns nothing about its
// parameters.
func writeList[T, J any](w http.ResponseWriter, r *http.Request, base *url.URL, l listPage[T, J]) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	total, err := l.count(r.Context())
	if err != nil {
		return err
	}
	items, err := l.load(r.Context(), p.offset(), p.PerPage)
	if err != nil {
		return err
	}
	out := make([]J, 0, len(items))
	for _, item := range items {
		j, err := l.render(item)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	p.writeHeaders(w, r, base, total)
	httpjson.Write(w, http.StatusOK, out)
	return nil
}
