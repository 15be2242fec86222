package platformtest

import "go.opentelemetry.io/collector/pdata/ptrace"

// Tencent Cloud APM: gRPC only, a bearer token, and the token as a
// resource attribute. Tencent APM's access guide
// (cloud.tencent.com/document/product/1463/107684,
// TencentCloud/tencentcloud-opentelemetry-demo-python) carries the token as
// the resource attribute token=<token>; data without it is not the app's.
var tencentFake = fakeRules{
	checkTraces: func(f *Fake, td ptrace.Traces) string {
		if !tencentTokenOnEveryResource(td, f.Secrets.Key) {
			return "resource attribute token is missing or wrong"
		}
		return ""
	},
}

func tencentTokenOnEveryResource(td ptrace.Traces, token string) bool {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		v, ok := rss.At(i).Resource().Attributes().Get("token")
		if !ok || v.Str() != token {
			return false
		}
	}
	return true
}
