package llmspan

import (
	"regexp"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Error classes derived from a message when a span names no usable type.
// Besides the usual messages and HTTP codes they read the error codes of
// Dify's Aliyun (DashScope) models, which Dify passes on as they are:
// InternalError.*, ServiceUnavailable (server_error), Throttling.* (rate_limit),
// InvalidApiKey, AccessDenied, Arrearage (auth), DataInspectionFailed
// (content_filter).
// The vocabulary is fixed, so error_type stays bounded whatever the
// messages say.
const (
	ErrTimeout       = "timeout"
	ErrRateLimit     = "rate_limit"
	ErrAuth          = "auth"
	ErrContextLength = "context_length"
	ErrContentFilter = "content_filter"
	ErrServer        = "server_error"
	ErrOther         = "other"
)

// bareTypes are exception "types" that say nothing about the failure:
// Dify records plain strings, so Python reports the class `str`.
var bareTypes = map[string]bool{"str": true, "string": true, "exception": true, "baseexception": true, "error": true,
	"object": true, "dict": true, "runtimeerror": true, "valueerror": true}

var classes = []struct {
	class string
	re    *regexp.Regexp
}{
	{ErrTimeout, regexp.MustCompile(`(?i)time(d)?[ _-]?out|deadline[ _]exceeded|\b408\b|\b504\b`)},
	{ErrRateLimit, regexp.MustCompile(`(?i)rate[ _-]?limit|too many requests|\b429\b|quota|throttl`)},
	{ErrAuth, regexp.MustCompile(`(?i)\b40[13]\b|unauthori[sz]ed|forbidden|api[ _-]?key|access[ _-]?key|authenticat|permission[ _-]?denied|access[ _-]?denied|signature[ _-]?does[ _-]?not[ _-]?match|arrearage`)},
	{ErrContextLength, regexp.MustCompile(`(?i)context[ _-]?(length|window)|maximum context|too many tokens|token limit|max_tokens|prompt is too long`)},
	{ErrContentFilter, regexp.MustCompile(`(?i)content[ _-]?(filter|policy|management)|safety|moderation|responsibleai|data[ _-]?inspection`)},
	{ErrServer, regexp.MustCompile(`(?i)\b50[0-3]\b|internal[ _-]?(server[ _-]?)?error|bad[ _-]?gateway|service[ _-]?unavailable|overloaded|server[ _-]?error`)},
}

// Classify maps a failure message to the fixed vocabulary.
func Classify(msg string) string {
	for _, c := range classes {
		if c.re.MatchString(msg) {
			return c.class
		}
	}
	return ErrOther
}

// errorType resolves error_type for a failed span: error.type when set,
// else the exception event's exception.type unless it is a bare builtin,
// else the class of the exception message or status message.
func errorType(attr string, exception func() (typ, msg string), statusMessage string) string {
	if attr != "" && !bareTypes[strings.ToLower(attr)] {
		return attr
	}
	excType, excMsg := exception()
	if excType != "" && !bareTypes[strings.ToLower(excType)] {
		return excType
	}
	return Classify(excMsg + " " + statusMessage)
}

func exception(span ptrace.Span) (typ, msg string) {
	evs := span.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if ev.Name() != "exception" {
			continue
		}
		if v, ok := ev.Attributes().Get("exception.type"); ok {
			typ = v.AsString()
		}
		if v, ok := ev.Attributes().Get("exception.message"); ok {
			msg = v.AsString()
		}
		return typ, msg
	}
	return "", ""
}
