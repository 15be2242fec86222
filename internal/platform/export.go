package platform

import (
	"encoding/base64"
	"net"
	"net/url"
)

// ExportFor returns where and how to send OTLP traces to the platform c
// describes. c must come from Normalize. s may be empty: header names and
// display URL are still right, which is what the provider shows in plans.
func ExportFor(c Config, s Secrets) Export {
	d, ok := byType[c.Type]
	if !ok {
		return Export{}
	}
	e := d.export(c, s)
	e.Protocol = c.Protocol
	e.Gzip = d.gzip
	if e.DisplayURL == "" {
		e.DisplayURL = e.URL
	}
	return e
}

// hostPort returns u's host:port, with def when u names no port.
func hostPort(u *url.URL, def string) string {
	port := u.Port()
	if port == "" {
		port = def
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// withoutHeader is hs less the headers named name.
func withoutHeader(hs []Header, name string) []Header {
	var out []Header
	for _, h := range hs {
		if h.Name != name {
			out = append(out, h)
		}
	}
	return out
}

// onlyHeader is the headers of hs named name.
func onlyHeader(hs []Header, name string) []Header {
	var out []Header
	for _, h := range hs {
		if h.Name == name {
			out = append(out, h)
		}
	}
	return out
}
