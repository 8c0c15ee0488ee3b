package openstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
)

// APIError is an OpenStack API error reduced to what a person needs: the
// status, the request and the service's own message, instead of
// gophercloud's raw body dump. The original error stays reachable through
// errors.As/Is.
type APIError struct {
	Status  int
	Method  string
	Path    string // URL path only: no host, no query
	Message string
	err     error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Message)
}

func (e *APIError) Unwrap() error { return e.err }

// cloudError turns gophercloud's unexpected-status errors into APIErrors;
// other errors pass through.
func cloudError(err error) error {
	if err == nil {
		return nil
	}
	var ue gophercloud.ErrUnexpectedResponseCode
	var pue *gophercloud.ErrUnexpectedResponseCode
	switch {
	case errors.As(err, &ue):
	case errors.As(err, &pue):
		ue = *pue
	default:
		return err
	}
	path := ue.URL
	if u, perr := url.Parse(ue.URL); perr == nil {
		path = u.Path
	}
	return &APIError{Status: ue.Actual, Method: ue.Method, Path: path, Message: apiMessage(ue.Body), err: err}
}

// apiMessage digs the message out of the error bodies OpenStack services
// send: Nova's {"overLimit": {"message": ...}}, Keystone's {"error":
// {"message": ...}}, Neutron's {"NeutronError": {"message": ...}}, or
// Glance's plain text.
func apiMessage(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil {
		for _, v := range m {
			var inner struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(v, &inner) == nil && inner.Message != "" {
				return inner.Message
			}
		}
		var flat struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &flat) == nil && flat.Message != "" {
			return flat.Message
		}
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		s = "(no message)"
	}
	return s
}

// scrubbedError hides credentials that reached an error message (an API
// echoing a request, a URL with a token) while keeping the chain for
// errors.Is/As.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub is applied to every error the Provider returns: the password,
// application credential secret and current token never leave in text.
func (p *Provider) scrub(err error) error {
	if err == nil {
		return nil
	}
	secrets := append([]string(nil), p.secrets...)
	if p.client != nil {
		secrets = append(secrets, p.client.Token())
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if len(s) >= 4 && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

// ErrQuotaExceeded is in every error (errors.Is) of a Create that ran into
// the project's quota, whether Nova refused the request up front (403,
// 413) or accepted it and then failed the server on its re-check.
var ErrQuotaExceeded = errors.New("quota exceeded")

// QuotaError is a create refused by quota. Detail is the request and
// Nova's message (which quota: instances, cores, ram); the APIError of an
// up-front refusal stays reachable with errors.As.
type QuotaError struct {
	Detail string
	err    error
}

func (e *QuotaError) Error() string {
	return "quota exceeded: " + e.Detail + " (free quota, or ask for less: `openstack quota show`)"
}

func (e *QuotaError) Unwrap() error        { return e.err }
func (e *QuotaError) Is(target error) bool { return target == ErrQuotaExceeded }

// quotaError wraps err (an APIError), or describes a server failed by
// quota when err is nil.
func quotaError(err error, detail string) error {
	if err != nil {
		detail = err.Error()
	}
	return &QuotaError{Detail: detail, err: err}
}

// quotaFault tells whether a server's fault is Nova's quota re-check:
// conductor fails the build with TooManyInstances (a QuotaError, code 413,
// "Quota exceeded for instances: ...") when parallel creates passed the
// API's check together.
func quotaFault(code int, message string) bool {
	return code == 413 || strings.HasPrefix(message, "Quota exceeded")
}
